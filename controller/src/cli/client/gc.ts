/** `gantry gc --older-than 30d [--dry-run]`: delete the artifacts and archived logs of old runs, and caches unused as long (admin). */
import type { Argv } from 'yargs';
import {
  type CommandContext,
  connect,
  printJson,
  runClientCommand,
  UsageError,
  withConnection,
  withJson,
} from './command.js';

export function registerGc<T>(yargs: Argv<T>, { io, options, exit }: CommandContext) {
  return yargs.command(
    'gc',
    'delete the artifacts and archived logs of old runs (never a run awaiting approval or the last deployed to an environment)',
    (command) =>
      withJson(withConnection(command))
        .option('older-than', {
          type: 'string',
          requiresArg: true,
          describe: 'runs that ended longer ago than this, e.g. 30d',
        })
        .option('dry-run', { type: 'boolean', default: false, describe: 'only count what would be deleted' }),
    async (args) => {
      exit(
        await runClientCommand(io, async () => {
          if (!args.olderThan) throw new UsageError('--older-than is required, e.g. --older-than 30d');
          const report = await connect(args, io, options).collectGarbage({
            olderThan: args.olderThan,
            dryRun: args.dryRun,
          });
          if (args.json) printJson(io, report);
          else {
            const verb = report.dryRun ? 'would delete' : 'deleted';
            io.stdout(
              `${verb} ${report.artifacts} artifacts and ${report.logs} logs of ${report.runs} runs (${report.bytes} bytes), ${report.caches} unused caches (${report.cacheBytes} bytes)\n`,
            );
          }
          return 0;
        }),
      );
    },
  );
}
