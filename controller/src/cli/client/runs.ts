/** `gantry runs`: the latest runs as a table. */
import type { Argv } from 'yargs';
import { paintStatus } from './colors.js';
import {
  type CommandContext,
  connect,
  positiveInteger,
  printJson,
  runClientCommand,
  withConnection,
  withJson,
} from './command.js';
import { formatTable, formatTimestamp, shortSha } from './format.js';

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
          if (args.json) {
            printJson(io, { runs: shown });
            return 0;
          }
          if (shown.length === 0) {
            io.stdout('no runs yet\n');
            return 0;
          }
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
          for (const line of formatTable(['ID', 'STATUS', 'REPO', 'REF', 'SHA', 'CREATED'], rows, paint))
            io.stdout(`${line}\n`);
          return 0;
        }),
      );
    },
  );
}
