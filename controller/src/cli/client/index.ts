/**
 * The HTTP-client subcommands of the `gantry` CLI, dispatched by `cli/index.ts`.
 * Each takes the arguments after its name and returns the process exit code:
 * 0 ok, 1 failure (API error, unreachable, run failed), 2 usage or configuration, 130 interrupted.
 */
export { approveCommand, rejectCommand } from './approve.js';
export type { ClientOptions } from './command.js';
export type { CliIo } from './io.js';
export { logsCommand } from './logs.js';
export { cancelCommand, retryCommand } from './run-actions.js';
export { runsCommand } from './runs.js';
export { triggerCommand } from './trigger.js';
