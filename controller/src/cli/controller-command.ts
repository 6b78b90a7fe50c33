/** `gantry controller`: runs the controller alone, for deployments where agents live on other hosts. */
import type { Argv } from 'yargs';
import { ConfigError, loadControllerConfig, requireSharedTokens } from '../config.js';
import { restrictNewFilesToOwner } from '../owner-only-files.js';
import type { CommandContext } from './client/command.js';
import { configOverrides, environmentHelp, withConfigFlags } from './config-flags.js';
import { waitForShutdownSignal } from './shutdown.js';

export function registerController<T>(yargs: Argv<T>, { io, exit }: CommandContext) {
  return yargs.command(
    'controller',
    'run the controller alone (agents on other hosts)',
    (command) => withConfigFlags(command).epilogue(environmentHelp()),
    async (args) => {
      exit(await runController(configOverrides(args), io));
    },
  );
}

async function runController(overrides: ReturnType<typeof configOverrides>, io: CommandContext['io']): Promise<number> {
  restrictNewFilesToOwner();
  let config: ReturnType<typeof loadControllerConfig>;
  try {
    config = loadControllerConfig(io.env, overrides);
    requireSharedTokens(config);
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr(`gantry controller: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  // The controller itself is loaded only by the commands that run it: the client commands start in a fraction of the time.
  const { createLogger, startController } = await import('../main.js');
  const log = createLogger(config.logLevel);
  let controller: Awaited<ReturnType<typeof startController>>;
  try {
    controller = await startController(config, log);
  } catch (error) {
    log.fatal({ err: error }, 'controller failed to start');
    io.stderr(`gantry controller: ${(error as Error).message}\n`);
    return 1;
  }
  if (controller.adminToken.created) {
    io.stderr(`admin token (saved in ${controller.adminToken.path}): ${controller.adminToken.token}\n`);
  }
  // From this line on a SIGTERM or SIGINT stops the controller gracefully (one sent earlier, while it
  // was starting, would have ended it at once).
  const shutdown = waitForShutdownSignal();
  log.info('controller ready: SIGTERM or SIGINT stops it');
  await shutdown;
  log.info('shutting down');
  await controller.stop();
  return 0;
}
