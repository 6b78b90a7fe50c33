/** What every client subcommand shares: connection flags, the API client, and errors → messages and exit codes. */
import type { Argv } from 'yargs';
import { ApiClient, ApiError, ApiUnreachableError } from './api-client.js';
import { ConfigError, resolveConnection } from './connection.js';
import { formatTable, printableLines } from './format.js';
import type { CliIo } from './io.js';

/** Knobs for tests and embedding; the CLI uses the defaults. */
export interface ClientOptions {
  /** Bound on each HTTP request, and on the wait for a log's first byte and each later one (default 10 000). */
  requestTimeoutMs?: number;
  /** Pause between polls of `--follow` (default 300). */
  pollIntervalMs?: number;
  /** Base for a relative `--repo` path (default `process.cwd()`). */
  cwd?: string;
}

/** `awaitingApproval` and `unreachable` are what `gantry trigger --follow` ends with in those cases. */
export const exitCodes = {
  ok: 0,
  failure: 1,
  usage: 2,
  awaitingApproval: 2,
  unreachable: 3,
  interrupted: 130,
} as const;

/** The command line is wrong (exit code 2). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'usage';
}

/** Adds the flags every client subcommand accepts: where the API is and how to authenticate. */
export function withConnection<T>(yargs: Argv<T>) {
  return yargs
    .option('url', {
      type: 'string',
      describe: 'API base URL (default: $GANTRY_URL, else http://127.0.0.1:8080)',
      requiresArg: true,
    })
    .option('token-file', {
      type: 'string',
      describe: 'file holding the API token (default: $GANTRY_TOKEN, else the file $GANTRY_TOKEN_FILE)',
      requiresArg: true,
    })
    .option('token', {
      type: 'string',
      describe: 'API token; visible to every user in `ps`, prefer --token-file or GANTRY_TOKEN',
      requiresArg: true,
    });
}

/** Adds `--json` to a command that prints runs, jobs, agents or tokens. */
export function withJson<T>(yargs: Argv<T>) {
  return yargs.option('json', { type: 'boolean', default: false, describe: 'print one JSON document instead of text' });
}

export interface ConnectionArgs {
  url?: string | undefined;
  token?: string | undefined;
  tokenFile?: string | undefined;
}

/**
 * The connection flags of this command line, to repeat in a command it
 * suggests (the next page): `--url` and `--token-file`, never `--token`,
 * whose value is a secret (such a reader sets it again, or GANTRY_TOKEN).
 */
export function repeatedConnection(args: ConnectionArgs): [flag: string, value: string | undefined][] {
  return [
    ['--url', args.url],
    ['--token-file', args.tokenFile],
  ];
}

export function connect(args: ConnectionArgs, io: CliIo, options: ClientOptions): ApiClient {
  if (args.token !== undefined) {
    io.stderr('warning: --token is visible to every user of this machine (ps); use --token-file or GANTRY_TOKEN\n');
  }
  const { baseUrl, token } = resolveConnection(args, io.env);
  return new ApiClient({ baseUrl, token, timeoutMs: options.requestTimeoutMs ?? 10_000, signal: io.signal });
}

/** Prints `value` as one JSON document. */
export function printJson(io: CliIo, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}

/** What a list command answers, in each of the ways it can print it. */
export interface Listing {
  json: boolean;
  /** The answer as printed with --json. */
  document: unknown;
  /** The line printed instead of a table without rows. */
  empty: string;
  header: readonly string[];
  rows: readonly (readonly string[])[];
  /** Decorates a padded body cell (colour); see formatTable. */
  paint?: (cell: string, column: number) => string;
}

/** Prints a list command's answer: its JSON document with --json, else its table, or its empty line. Returns exit code 0. */
export function printList(io: CliIo, listing: Listing): 0 {
  if (listing.json) printJson(io, listing.document);
  else if (listing.rows.length === 0) io.stdout(`${listing.empty}\n`);
  else for (const line of formatTable(listing.header, listing.rows, listing.paint)) io.stdout(`${line}\n`);
  return 0;
}

/**
 * Runs one subcommand's body; what it throws becomes a message and an exit
 * code: 2 for usage or configuration, 1 for API errors, 130 when `io.signal` aborted.
 */
export async function runClientCommand(io: CliIo, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (io.signal?.aborted) {
      io.stderr('interrupted\n');
      return exitCodes.interrupted;
    }
    if (error instanceof UsageError || error instanceof ConfigError) {
      io.stderr(`error: ${error.message}\n`);
      return exitCodes.usage;
    }
    if (error instanceof ApiError) {
      // The API's words may quote what others wrote (a stage's name, a commit's author).
      io.stderr(`error: ${printableLines(error.message)} (HTTP ${error.status})\n`);
      for (const issue of error.issues) io.stderr(`  - ${printableLines(describeIssue(issue))}\n`);
      return exitCodes.failure;
    }
    if (error instanceof ApiUnreachableError) {
      io.stderr(`${error.message}\n`);
      return exitCodes.failure;
    }
    throw error;
  }
}

/** Issues are the API's validation details: strings or `{ path, message }` objects. */
function describeIssue(issue: unknown): string {
  if (typeof issue === 'string') return issue;
  if (typeof issue === 'object' && issue !== null && 'message' in issue && typeof issue.message === 'string') {
    const path = 'path' in issue ? issue.path : undefined;
    const where = Array.isArray(path) ? path.join('.') : typeof path === 'string' ? path : '';
    return where === '' ? issue.message : `${where}: ${issue.message}`;
  }
  return JSON.stringify(issue);
}

/** Checks a positive integer option such as `--limit 20`; `undefined` when absent. */
export function positiveInteger(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9]\d{0,8}$/.test(value)) throw new UsageError(`${flag} must be a positive integer, got "${value}"`);
  return Number(value);
}

/** Handed to each subcommand's `register…` function by the CLI. */
export interface CommandContext {
  io: CliIo;
  options: ClientOptions;
  /** Records the exit code of the command that ran. */
  exit(code: number): void;
}
