/** `gantry runs`: the latest runs as a table. */
import type { Argv } from 'yargs';
import { paintStatus } from './colors.js';
import {
  type CommandContext,
  connect,
  positiveInteger,
  printList,
  runClientCommand,
  withConnection,
  withJson,
} from './command.js';
import { formatTimestamp, shortSha } from './format.js';

export function registerRuns<T>(yargs: Argv<T>, { io, options, exit }: CommandContext) {
  return yargs.command(
    'runs',
    'list the latest runs, newest first',
    (command) =>
      withJson(withConnection(command)).option('limit', {
        type: 'string',
        describe: "how many (default: the server's page size)",
        requiresArg: true,
      }),
    async (args) => {
      exit(
        await runClientCommand(io, async () => {
          const limit = positiveInteger('--limit', args.limit);
          const api = connect(args, io, options);
          const { runs } = await api.listRuns(limit);
          const shown = limit === undefined ? runs : runs.slice(0, limit);
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
          return printList(io, {
            json: args.json,
            document: { runs: shown },
            empty: 'no runs yet',
            header: ['ID', 'STATUS', 'REPO', 'REF', 'SHA', 'CREATED'],
            rows,
            paint,
          });
        }),
      );
    },
  );
}
