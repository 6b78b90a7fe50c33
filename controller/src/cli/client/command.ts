/** What every client subcommand shares: connection flags, the API client, and errors → messages and exit codes. */
import { ApiClient, ApiError, ApiUnreachableError } from './api-client.js';
import { ConfigError, type ConnectionFlags, resolveConnection } from './connection.js';
import type { CliIo } from './io.js';

/** Knobs for tests and embedding; the CLI uses the defaults. */
export interface ClientOptions {
  /** Bound on each HTTP request (default 10 000). */
  requestTimeoutMs?: number;
  /** Pause between polls of `--follow` (default 300). */
  pollIntervalMs?: number;
  /** Base for a relative `--repo` path (default `process.cwd()`). */
  cwd?: string;
}

export const exitCodes = { ok: 0, failure: 1, usage: 2, interrupted: 130 } as const;

/** The command line is wrong (exit code 2, usage printed). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'usage';
}

/** `parseArgs` options every client subcommand accepts. */
export const connectionOptions = {
  url: { type: 'string' },
  token: { type: 'string' },
} as const;

export const connectionHelp = [
  '  --url URL       API base URL (default: $GANTRY_URL, else http://127.0.0.1:8080)',
  '  --token TOKEN   API token (default: $GANTRY_TOKEN)',
].join('\n');

export function connect(flags: ConnectionFlags, io: CliIo, options: ClientOptions): ApiClient {
  const { baseUrl, token } = resolveConnection(flags, io.env);
  return new ApiClient({ baseUrl, token, timeoutMs: options.requestTimeoutMs ?? 10_000, signal: io.signal });
}

/**
 * Runs one subcommand. `body` parses its flags (node:util parseArgs, strict) and
 * talks to the API; what it throws becomes a message and an exit code:
 * 2 for usage or configuration, 1 for API errors, 130 when `io.signal` aborted.
 * `--help` / `-h` prints `usage` and exits 0 without running `body`.
 */
export async function runClientCommand(
  args: readonly string[],
  io: CliIo,
  usage: string,
  body: () => Promise<number>,
): Promise<number> {
  const end = args.indexOf('--');
  const flags = end === -1 ? args : args.slice(0, end);
  if (flags.includes('--help') || flags.includes('-h')) {
    io.stdout(`${usage}\n`);
    return exitCodes.ok;
  }
  try {
    return await body();
  } catch (error) {
    if (io.signal?.aborted) {
      io.stderr('interrupted\n');
      return exitCodes.interrupted;
    }
    if (error instanceof UsageError || isParseArgsError(error)) {
      io.stderr(`error: ${(error as Error).message}\n\n${usage}\n`);
      return exitCodes.usage;
    }
    if (error instanceof ConfigError) {
      io.stderr(`error: ${error.message}\n`);
      return exitCodes.usage;
    }
    if (error instanceof ApiError) {
      io.stderr(`error: ${error.message} (HTTP ${error.status})\n`);
      for (const issue of error.issues) io.stderr(`  - ${describeIssue(issue)}\n`);
      return exitCodes.failure;
    }
    if (error instanceof ApiUnreachableError) {
      io.stderr(`${error.message}\n`);
      return exitCodes.failure;
    }
    throw error;
  }
}

/** parseArgs throws TypeErrors coded ERR_PARSE_ARGS_* (unknown option, missing value, …). */
function isParseArgsError(error: unknown): boolean {
  return (
    error instanceof TypeError &&
    'code' in error &&
    typeof error.code === 'string' &&
    error.code.startsWith('ERR_PARSE_ARGS_')
  );
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

/** Parses a positive integer flag such as `--limit 20`; `undefined` when the flag is absent. */
export function parsePositiveInteger(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(value)) throw new UsageError(`${flag} must be a positive integer, got "${value}"`);
  return Number(value);
}
