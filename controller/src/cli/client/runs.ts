/** `gantry runs`: the latest runs as a table. */
import { parseArgs } from 'node:util';
import {
  type ClientOptions,
  connect,
  connectionHelp,
  connectionOptions,
  parsePositiveInteger,
  runClientCommand,
  UsageError,
} from './command.js';
import { formatTable, formatTimestamp, shortSha } from './format.js';
import type { CliIo } from './io.js';

const usage = `usage: gantry runs [--limit N]

List the latest runs, newest first.
  --limit N       how many (default: the server's page size)
${connectionHelp}`;

export async function runsCommand(args: string[], io: CliIo, options: ClientOptions = {}): Promise<number> {
  return runClientCommand(args, io, usage, async () => {
    const { values, positionals } = parseArgs({
      args,
      options: { ...connectionOptions, limit: { type: 'string' } },
      strict: true,
      allowPositionals: true,
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    const limit = parsePositiveInteger('--limit', values.limit);
    const api = connect(values, io, options);

    const { runs } = await api.listRuns(limit);
    const shown = limit === undefined ? runs : runs.slice(0, limit);
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
    for (const line of formatTable(['ID', 'STATUS', 'REPO', 'REF', 'SHA', 'CREATED'], rows)) io.stdout(`${line}\n`);
    return 0;
  });
}
