/**
 * The controller package's share of the `gantry` command (bin/gantry.mjs
 * sends every subcommand except `agent` here). Returns the exit code.
 */
import {
  approveCommand,
  type CliIo,
  cancelCommand,
  logsCommand,
  rejectCommand,
  retryCommand,
  runsCommand,
  triggerCommand,
} from './client/index.js';
import { controllerCommand } from './controller-command.js';
import { upCommand } from './up-command.js';

const usage = `usage: gantry <command> [options]

Farm:
  up           run a whole farm on this machine (NATS, controller, agents)
  controller   run the controller alone
  agent        run one agent (gantry agent --help)

Client (GANTRY_URL, GANTRY_TOKEN):
  trigger      start a run: gantry trigger --repo PATH_OR_URL [--ref main] [--follow]
  approve      approve a gated stage: gantry approve RUN_ID --stage NAME [--comment TEXT]
  reject       reject a gated stage: gantry reject RUN_ID --stage NAME [--comment TEXT]
  cancel       cancel a run: gantry cancel RUN_ID
  retry        run a finished job again: gantry retry RUN_ID JOB_ID
  runs         list recent runs
  logs         print a job's log: gantry logs RUN_ID JOB
`;

export async function runControllerCli(command: string | undefined, args: string[]): Promise<number> {
  const io: CliIo = {
    env: process.env,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  };
  switch (command) {
    case 'up':
      return upCommand(args);
    case 'controller':
      return controllerCommand(args);
    case 'trigger':
      return withInterrupt(io, (withSignal) => triggerCommand(args, withSignal));
    case 'approve':
      return approveCommand(args, io);
    case 'reject':
      return rejectCommand(args, io);
    case 'cancel':
      return cancelCommand(args, io);
    case 'retry':
      return retryCommand(args, io);
    case 'runs':
      return runsCommand(args, io);
    case 'logs':
      return logsCommand(args, io);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(usage);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`gantry: unknown command "${command}"\n\n${usage}`);
      return 2;
  }
}

/** Gives a long-running client command an AbortSignal tied to Ctrl-C. */
async function withInterrupt(io: CliIo, run: (io: CliIo) => Promise<number>): Promise<number> {
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  try {
    return await run({ ...io, signal: controller.signal });
  } finally {
    process.off('SIGINT', onSignal);
  }
}
