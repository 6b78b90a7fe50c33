/** `gantry runs`: the latest runs as a table, a page at a time (`--before`). */
import type { Argv } from 'yargs';
import { paintStatus } from './colors.js';
import {
  type CommandContext,
  connect,
  exitCodes,
  positiveInteger,
  printList,
  repeatedConnection,
  runClientCommand,
  withConnection,
  withJson,
} from './command.js';
import { formatTimestamp, shellFlags, shortSha } from './format.js';

export function registerRuns<T>(yargs: Argv<T>, { io, options, exit }: CommandContext) {
  return yargs.command(
    'runs',
    'list the latest runs, newest first',
    (command) =>
      withJson(withConnection(command))
        .option('limit', {
          type: 'string',
          describe: "how many (default: the server's page size)",
          requiresArg: true,
        })
        .option('before', {
          type: 'string',
          describe: 'only runs older than this run id: the next page',
          requiresArg: true,
        }),
    async (args) => {
      exit(
        await runClientCommand(io, async () => {
          const limit = positiveInteger('--limit', args.limit);
          const api = connect(args, io, options);
          const page = await api.listRuns(limit, args.before);
          if (args.before !== undefined && !('next' in page)) {
            // A controller from before paging ignores `before` and answers the newest runs.
            io.stderr('error: this controller does not page runs (upgrade it to use --before)\n');
            return exitCodes.failure;
          }
          const { runs } = page;
          const shown = limit === undefined ? runs : runs.slice(0, limit);
          // A controller older than paging answers no `next`.
          const next = shown.length < runs.length ? (shown.at(-1)?.id ?? null) : (page.next ?? null);
          const rows = shown.map((run) => [
            run.id,
            run.status,
            run.repo,
            run.ref,
            shortSha(run.sha),
            formatTimestamp(run.createdAt),
          ]);
          const paint = (cell: string, column: number) =>
            column === 1 ? paintStatus(cell, cell.trim(), io.color) : cell;
          const printed = printList(io, {
            json: args.json,
            document: { runs: shown, next },
            empty: args.before === undefined ? 'no runs yet' : `no runs older than ${args.before}`,
            header: ['ID', 'STATUS', 'REPO', 'REF', 'SHA', 'CREATED'],
            rows,
            paint,
          });
          if (next !== null && !args.json) {
            const flags = shellFlags([['--limit', limit?.toString()], ...repeatedConnection(args)]);
            io.stderr(`older runs: gantry runs${flags} --before ${next}\n`);
          }
          return printed;
        }),
      );
    },
  );
}
