/** `gantry controller`: runs the controller alone, for deployments where agents live on other hosts. */
import { parseArgs } from 'node:util';
import { ConfigError, loadControllerConfig } from '../config.js';
import { createLogger, startController } from '../main.js';
import { restrictNewFilesToOwner } from '../owner-only-files.js';
import { waitForShutdownSignal } from './shutdown.js';

export const controllerUsage = `usage: gantry controller [--http-port N] [--grpc-port N] [--host ADDR] [--data-dir DIR]
                         [--nats URL] [--database-url URL]
  Environment: DATABASE_URL, GANTRY_NATS_URL, GANTRY_HTTP_PORT, GANTRY_GRPC_PORT, GANTRY_BIND_HOST,
  GANTRY_DATA_DIR, GANTRY_ADMIN_TOKEN, GANTRY_AGENT_TOKEN, GANTRY_LEASE_TTL_MS, GANTRY_LOG_LEVEL.
`;

export async function controllerCommand(args: string[]): Promise<number> {
  restrictNewFilesToOwner();
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args,
      options: {
        'http-port': { type: 'string' },
        'grpc-port': { type: 'string' },
        host: { type: 'string' },
        'data-dir': { type: 'string' },
        nats: { type: 'string' },
        'database-url': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (error) {
    process.stderr.write(`gantry controller: ${(error as Error).message}\n${controllerUsage}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(controllerUsage);
    return 0;
  }
  let config: ReturnType<typeof loadControllerConfig>;
  try {
    config = loadControllerConfig(process.env, {
      GANTRY_HTTP_PORT: values['http-port'] as string | undefined,
      GANTRY_GRPC_PORT: values['grpc-port'] as string | undefined,
      GANTRY_BIND_HOST: values.host as string | undefined,
      GANTRY_DATA_DIR: values['data-dir'] as string | undefined,
      GANTRY_NATS_URL: values.nats as string | undefined,
      DATABASE_URL: values['database-url'] as string | undefined,
    });
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`gantry controller: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const log = createLogger(config.logLevel);
  let controller: Awaited<ReturnType<typeof startController>>;
  try {
    controller = await startController(config, log);
  } catch (error) {
    log.fatal({ err: error }, 'controller failed to start');
    process.stderr.write(`gantry controller: ${(error as Error).message}\n`);
    return 1;
  }
  if (controller.adminToken.created) {
    process.stderr.write(`admin token (saved in ${controller.adminToken.path}): ${controller.adminToken.token}\n`);
  }
  await waitForShutdownSignal();
  log.info('shutting down');
  await controller.stop();
  return 0;
}
