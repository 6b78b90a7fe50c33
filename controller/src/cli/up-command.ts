/**
 * `gantry up`: a whole farm on one machine with embedded defaults — PGlite in
 * the data directory, a nats-server child process (unless GANTRY_NATS_URL is
 * set), the controller, and N agent processes. Ctrl-C / SIGTERM drains agents,
 * then stops the controller and nats-server.
 */
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { NatsServerNotFoundError, type NatsServerProcess, startNatsServer } from '@gantry/common';
import pino from 'pino';
import { ConfigError, loadControllerConfig } from '../config.js';
import { type LocalAgent, spawnLocalAgent } from '../local-farm/agent-processes.js';
import { createLogger, startController } from '../main.js';
import { restrictNewFilesToOwner } from '../owner-only-files.js';
import { waitForShutdownSignal } from './shutdown.js';

export const upUsage = `usage: gantry up [--data-dir DIR] [--http-port 8080] [--grpc-port 7070] [--nats-port 4222]
                 [--agents 2] [--slots 2] [--logs]
  Starts NATS, the controller and N agents on this machine. Logs go to DIR/logs/ (--logs: to the terminal).
  GANTRY_NATS_URL and DATABASE_URL make it use external services instead.
`;

export async function upCommand(args: string[]): Promise<number> {
  restrictNewFilesToOwner();
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args,
      options: {
        'data-dir': { type: 'string' },
        'http-port': { type: 'string' },
        'grpc-port': { type: 'string' },
        'nats-port': { type: 'string', default: '4222' },
        agents: { type: 'string', default: '2' },
        slots: { type: 'string', default: '2' },
        logs: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (error) {
    process.stderr.write(`gantry up: ${(error as Error).message}\n${upUsage}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(upUsage);
    return 0;
  }
  const problems: string[] = [];
  const agentCount = Number(values.agents);
  const slots = Number(values.slots);
  const natsPort = Number(values['nats-port']);
  if (!Number.isInteger(agentCount) || agentCount < 0) problems.push(`--agents ${values.agents}: must be 0 or more`);
  if (!Number.isInteger(slots) || slots < 1) problems.push(`--slots ${values.slots}: must be 1 or more`);
  if (!Number.isInteger(natsPort) || natsPort < 0 || natsPort > 65535)
    problems.push(`--nats-port ${values['nats-port']}: not a port`);
  let config: ReturnType<typeof loadControllerConfig> | undefined;
  try {
    config = loadControllerConfig(process.env, {
      GANTRY_HTTP_PORT: values['http-port'] as string | undefined,
      GANTRY_GRPC_PORT: values['grpc-port'] as string | undefined,
      GANTRY_DATA_DIR: values['data-dir'] as string | undefined,
    });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }
  if (problems.length > 0 || !config) {
    process.stderr.write(`gantry up: ${problems.join('\n  ')}\n`);
    return 2;
  }
  const dataDir = resolve(config.dataDir);
  const logDestination = values.logs ? 1 : join(dataDir, 'logs', 'controller.log');
  const log = createLogger(config.logLevel);
  const fileLog = createLogger(
    config.logLevel,
    'controller',
    pino.destination({ dest: logDestination, mkdir: true, sync: false }),
  );
  const say = (line: string) => process.stdout.write(`${line}\n`);

  let nats: NatsServerProcess | null = null;
  const agents: LocalAgent[] = [];
  let controller: Awaited<ReturnType<typeof startController>> | null = null;
  let stopping = false;
  const stopAll = async () => {
    await Promise.all(agents.map((agent) => agent.stop(15_000)));
    await controller?.stop();
    await nats?.stop();
  };

  try {
    if (!process.env.GANTRY_NATS_URL) {
      say(`starting nats-server (JetStream) on 127.0.0.1:${natsPort}…`);
      nats = await startNatsServer({ storeDir: join(dataDir, 'nats'), port: natsPort });
      config.natsUrl = nats.url;
    }
    say(
      `starting controller (${config.databaseUrl ? 'PostgreSQL' : `embedded PGlite in ${join(dataDir, 'pglite')}`})…`,
    );
    controller = await startController(config, values.logs ? log : fileLog);
    const grpcAddress = `127.0.0.1:${controller.grpcPort}`;
    for (let index = 1; index <= agentCount; index++) {
      agents.push(
        await spawnLocalAgent({
          index,
          controllerAddress: grpcAddress,
          natsUrl: config.natsUrl,
          token: controller.agentToken,
          slots,
          queues: ['default'],
          dataDir,
          ...(values.logs ? { onLine: (line: string) => say(line) } : {}),
        }),
      );
    }
    for (const agent of agents) {
      void agent.child.exited.then(() => {
        if (!stopping) say(`agent ${agent.name} exited (${agent.child.exitReason()}); see ${agent.logPath}`);
      });
    }
  } catch (error) {
    if (error instanceof NatsServerNotFoundError) process.stderr.write(`gantry up: ${error.message}\n`);
    else process.stderr.write(`gantry up: ${(error as Error).message}\n`);
    await stopAll();
    return 1;
  }
  say('');
  say(`Gantry is up: ${controller.baseUrl}`);
  say(
    `  API token   ${controller.adminToken.token}${controller.adminToken.path ? `  (saved in ${controller.adminToken.path})` : ''}`,
  );
  say(`  gRPC        ${`127.0.0.1:${controller.grpcPort}`}   NATS ${config.natsUrl}`);
  say(`  agents      ${agents.length} × ${slots} slots on queue "default"`);
  say(`  logs        ${join(dataDir, 'logs')}`);
  say('');
  say('Trigger a run from another terminal:');
  say(`  export GANTRY_URL=${controller.baseUrl} GANTRY_TOKEN=${controller.adminToken.token}`);
  say('  npx gantry trigger --repo "$(examples/webapp/init-repo.sh)" --ref main --follow');
  say('Press Ctrl-C to stop.');

  await waitForShutdownSignal();
  stopping = true;
  say('stopping: draining agents, then controller and nats-server…');
  await stopAll();
  say('stopped.');
  return 0;
}
