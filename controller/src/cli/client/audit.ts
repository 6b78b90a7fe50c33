/**
 * `gantry audit`: the audit trail, newest first, a page at a time
 * (`--before`), filtered by run, actor and action: who triggered, approved,
 * rejected, canceled or was refused what, and when.
 */
import type { Argv } from 'yargs';
import { auditActions } from '../../domain/audit.js';
import {
  type CommandContext,
  connect,
  positiveInteger,
  printList,
  repeatedConnection,
  runClientCommand,
  UsageError,
  withConnection,
  withJson,
} from './command.js';
import { formatTimestamp, shellFlags } from './format.js';

export function registerAudit<T>(yargs: Argv<T>, { io, options, exit }: CommandContext) {
  return yargs.command(
    'audit',
    'the audit trail, newest first: every decision made through the API and every refusal',
    (command) =>
      withJson(withConnection(command))
        .option('run', { type: 'string', requiresArg: true, describe: 'only the events of this run' })
        .option('actor', { type: 'string', requiresArg: true, describe: 'only the events of this identity' })
        .option('action', {
          type: 'string',
          requiresArg: true,
          choices: auditActions,
          describe: 'only events of this kind',
        })
        .option('limit', { type: 'string', requiresArg: true, describe: 'how many, 1 to 500 (default 100)' })
        .option('before', {
          type: 'string',
          requiresArg: true,
          describe: 'only events older than this event id: the next page',
        }),
    async (args) => {
      exit(
        await runClientCommand(io, async () => {
          const limit = positiveInteger('--limit', args.limit);
          const before = eventId(args.before);
          const api = connect(args, io, options);
          const page = await api.listAuditEvents({
            ...(args.run === undefined ? {} : { runId: args.run }),
            ...(args.actor === undefined ? {} : { actor: args.actor }),
            ...(args.action === undefined ? {} : { action: args.action }),
            ...(limit === undefined ? {} : { limit }),
            ...(before === undefined ? {} : { before }),
          });
          // A controller from before paging answers no `next` (and refuses `before`: 400, an unrecognized key).
          const { events } = page;
          const next = page.next ?? null;
          const printed = printList(io, {
            json: args.json,
            document: { events, next },
            empty: before === undefined ? 'no audit events' : `no audit events older than ${before}`,
            header: ['ID', 'WHEN', 'ACTOR', 'ACTION', 'RUN', 'DETAILS'],
            rows: events.map((event) => [
              String(event.id),
              formatTimestamp(event.at),
              event.actor,
              event.action,
              event.runId ?? '-',
              formatDetails(event.details),
            ]),
          });
          if (next !== null && !args.json)
            io.stderr(`older events: gantry audit${repeatedFlags(args)} --before ${next}\n`);
          return printed;
        }),
      );
    },
  );
}

/** `--before`: an event id, a positive integer the API accepts (up to 2^53 − 1). */
function eventId(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const id = /^[1-9]\d{0,15}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(id)) throw new UsageError(`--before must be an event id, got "${value}"`);
  return id;
}

/** `key=value` pairs on one line: strings as they are, anything else as JSON. */
function formatDetails(details: Record<string, unknown>): string {
  const pairs = Object.entries(details).map(
    ([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`,
  );
  return pairs.length === 0 ? '-' : pairs.join(' ');
}

/** The filters and connection of this command line, as flags for the next page's. */
function repeatedFlags(args: {
  run?: string;
  actor?: string;
  action?: string;
  limit?: string;
  url?: string;
  tokenFile?: string;
}): string {
  return shellFlags([
    ['--run', args.run],
    ['--actor', args.actor],
    ['--action', args.action],
    ['--limit', args.limit],
    ...repeatedConnection(args),
  ]);
}
