/**
 * `gantry up`: a whole farm on one machine with embedded defaults — PGlite in
 * the data directory, a nats-server child process (unless GANTRY_NATS_URL is
 * set), the controller, and N agent processes. Ctrl-C / SIGTERM drains agents,
 * then stops the controller and nats-server; during start-up, it stops what
 * has started once the step under way is done.
 */
import { join, resolve } from 'node:path';
import { NatsServerNotFoundError, type NatsServerProcess, startNatsServer } from '@gantry/common';
import pino from 'pino';
import type { Argv } from 'yargs';
import { ConfigError, loadControllerConfig } from '../config.js';
import { type LocalAgent, spawnLocalAgent } from '../local-farm/agent-processes.js';
import { chooseJobUser } from '../local-farm/job-user.js';
import { agentNatsUser, writeNatsAuthorization } from '../local-farm/nats-authorization-files.js';
import { restrictNewFilesToOwner } from '../owner-only-files.js';
import type { CommandContext } from './client/command.js';
import { printJson } from './client/command.js';
import type { CliIo } from './client/io.js';
import { configOverrides, environmentHelp, withConfigFlags } from './config-flags.js';
import { waitForShutdownSignal } from './shutdown.js';

const upVariables = ['GANTRY_DATA_DIR', 'GANTRY_HTTP_PORT', 'GANTRY_GRPC_PORT'] as const;

export function registerUp<T>(yargs: Argv<T>, { io, exit }: CommandContext) {
  return yargs.command(
    'up',
    'run a whole farm on this machine (NATS, controller, agents)',
    (command) =>
      withConfigFlags(command, upVariables)
        .option('nats-port', {
          type: 'number',
          default: 4222,
          requiresArg: true,
          describe: 'port of the nats-server it starts',
        })
        .option('agents', { type: 'number', default: 2, requiresArg: true, describe: 'how many agent processes' })
        .option('slots', { type: 'number', default: 2, requiresArg: true, describe: 'job slots of each agent' })
        .option('logs', { type: 'boolean', default: false, describe: 'logs to the terminal instead of DATA_DIR/logs/' })
        .option('json', {
          type: 'boolean',
          default: false,
          describe: 'once up, print the URL, token and addresses as one JSON document',
        })
        .epilogue(`GANTRY_NATS_URL and DATABASE_URL make it use external services instead.\n\n${environmentHelp()}`),
    async (args) => {
      exit(
        await runUp(
          {
            overrides: configOverrides(args, upVariables),
            natsPort: args.natsPort,
            agentCount: args.agents,
            slots: args.slots,
            logs: args.logs,
            json: args.json,
          },
          io,
        ),
      );
    },
  );
}

interface UpOptions {
  overrides: ReturnType<typeof configOverrides>;
  natsPort: number;
  agentCount: number;
  slots: number;
  logs: boolean;
  json: boolean;
}

async function runUp(values: UpOptions, io: CliIo): Promise<number> {
  restrictNewFilesToOwner();
  const problems: string[] = [];
  const { agentCount, slots, natsPort } = values;
  if (!Number.isInteger(agentCount) || agentCount < 0 || agentCount > 64)
    problems.push(`--agents ${agentCount}: must be from 0 to 64`);
  if (!Number.isInteger(slots) || slots < 1 || slots > 256) problems.push(`--slots ${slots}: must be from 1 to 256`);
  if (!Number.isInteger(natsPort) || natsPort < 0 || natsPort > 65535)
    problems.push(`--nats-port ${natsPort}: not a port`);
  let config: ReturnType<typeof loadControllerConfig> | undefined;
  try {
    config = loadControllerConfig(io.env, values.overrides);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }
  if (problems.length > 0 || !config) {
    io.stderr(`gantry up: ${problems.join('\n  ')}\n`);
    return 2;
  }
  const dataDir = resolve(config.dataDir);
  const logDestination = values.logs ? 1 : join(dataDir, 'logs', 'controller.log');
  // The controller itself is loaded only by the commands that run it: the client commands start in a fraction of the time.
  const { createLogger, startController } = await import('../main.js');
  const { hasPgliteCluster } = await import('../store/pglite-cluster.js');
  const log = createLogger(config.logLevel);
  const fileLog = createLogger(
    config.logLevel,
    'controller',
    pino.destination({ dest: logDestination, mkdir: true, sync: false }),
  );
  const say = (line: string) => {
    if (!values.json) io.stdout(`${line}\n`);
  };

  let nats: NatsServerProcess | null = null;
  let agentNats: { user: string; password: string } | undefined;
  const agents: LocalAgent[] = [];
  let controller: Awaited<ReturnType<typeof startController>> | null = null;
  let stopping = false;
  let runAsNote = '';
  const stopAll = async () => {
    await Promise.all(agents.map((agent) => agent.stop(15_000)));
    await controller?.stop();
    await nats?.stop();
  };
  // Ctrl-C or SIGTERM stops the farm from here on. During start-up the step under way (nats-server,
  // the controller, an agent) is let finish, then whatever has started is stopped: a Ctrl-C, which
  // the children in this process group get too, never leaves a half-started farm or its data behind.
  let stopSignal: NodeJS.Signals | undefined;
  const shutdown = waitForShutdownSignal().then((signal) => {
    stopSignal = signal;
  });
  const stopIfAsked = () => {
    if (stopSignal) throw new StartupInterrupted(stopSignal);
  };

  try {
    if (!io.env.GANTRY_NATS_URL) {
      say(`starting nats-server (JetStream) on ${natsPort ? `127.0.0.1:${natsPort}` : 'a free port of 127.0.0.1'}…`);
      // Users in the data dir: the controller alone may publish offers and control messages.
      const users = await writeNatsAuthorization(join(dataDir, 'nats-users'), [{ user: agentNatsUser }]);
      nats = await startNatsServer({ storeDir: join(dataDir, 'nats'), port: natsPort, configFile: users.configFile });
      stopIfAsked();
      config.natsUrl = nats.url;
      config.natsUser = users.controller.user;
      config.natsPassword = users.controller.password;
      agentNats = users.agents[0];
    }
    const pgliteDir = join(dataDir, 'pglite');
    say(
      `starting controller (${config.databaseUrl ? 'PostgreSQL' : describePglite(pgliteDir, hasPgliteCluster(pgliteDir))})…`,
    );
    controller = await startController(config, values.logs ? log : fileLog, {
      localRepositoriesByDefault: true,
      secretKeyInDataDir: true,
    });
    stopIfAsked();
    const grpcAddress = `127.0.0.1:${controller.grpcPort}`;
    const jobUser = agentCount > 0 ? await chooseJobUser(io.env, dataDir) : ({ kind: 'operator' } as const);
    if (jobUser.kind === 'agent-user' && jobUser.warning) io.stderr(`gantry up: warning: ${jobUser.warning}\n`);
    if (jobUser.kind === 'run-as') runAsNote = `, steps run as ${jobUser.user}`;
    for (let index = 1; index <= agentCount; index++) {
      agents.push(
        await spawnLocalAgent({
          index,
          controllerAddress: grpcAddress,
          natsUrl: config.natsUrl,
          ...(agentNats ? { natsUser: agentNats.user, natsPassword: agentNats.password } : {}),
          // Over TLS, its agents trust GANTRY_CA, else the (self-signed) certificate itself.
          ...(config.tlsCert ? { caFile: io.env.GANTRY_CA || config.tlsCert } : {}),
          token: controller.agentToken,
          slots,
          queues: ['default'],
          dataDir,
          ...(jobUser.kind === 'run-as' ? { runAs: jobUser.user } : {}),
          ...(values.logs ? { onLine: (line: string) => say(line) } : {}),
        }),
      );
      stopIfAsked();
    }
    for (const agent of agents) {
      void agent.child.exited.then(() => {
        if (!stopping) say(`agent ${agent.name} exited (${agent.child.exitReason()}); see ${agent.logPath}`);
      });
    }
  } catch (error) {
    // A start-up step that failed because the stop's signal reached a child (nats-server) is a stop too.
    if (stopSignal) {
      stopping = true;
      say(`${stopSignal} during start-up: stopping what has started…`);
      await stopAll();
      say('stopped.');
      return 0;
    }
    if (error instanceof NatsServerNotFoundError) io.stderr(`gantry up: ${error.message}\n`);
    else io.stderr(`gantry up: ${(error as Error).message}\n`);
    await stopAll();
    return 1;
  }
  if (values.json) {
    printJson(io, {
      url: controller.baseUrl,
      adminToken: controller.adminToken.token,
      adminTokenPath: controller.adminToken.path ?? null,
      grpc: `127.0.0.1:${controller.grpcPort}`,
      nats: config.natsUrl,
      agents: agents.length,
      slots,
      logs: join(dataDir, 'logs'),
    });
  }
  say('');
  say(`Gantry is up: ${controller.baseUrl}`);
  say(
    `  API token   ${controller.adminToken.token}${controller.adminToken.path ? `  (saved in ${controller.adminToken.path})` : ''}`,
  );
  say(`  gRPC        ${`127.0.0.1:${controller.grpcPort}`}${config.tlsCert ? ' (TLS)' : ''}   NATS ${config.natsUrl}`);
  say(`  agents      ${agents.length} × ${slots} slots on queue "default"${runAsNote}`);
  say(`  logs        ${join(dataDir, 'logs')}`);
  say('');
  say('Trigger a run from another terminal:');
  say(`  export GANTRY_URL=${controller.baseUrl} GANTRY_TOKEN=${controller.adminToken.token}`);
  say('  npx gantry trigger --repo "$(examples/webapp/init-repo.sh)" --ref main --follow');
  say('Press Ctrl-C to stop.');

  await shutdown;
  stopping = true;
  say('stopping: draining agents, then controller and nats-server…');
  await stopAll();
  say('stopped.');
  return 0;
}

/** Where the embedded database is, and whether this start creates it (which takes several seconds). */
function describePglite(dir: string, exists: boolean): string {
  return `embedded PGlite in ${dir}${exists ? '' : '; creating it, which takes several seconds the first time'}`;
}

/** A stop signal arrived while the farm was starting. */
class StartupInterrupted extends Error {
  override readonly name = 'StartupInterrupted';
  constructor(signal: NodeJS.Signals) {
    super(`${signal} during start-up`);
  }
}
