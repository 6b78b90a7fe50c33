/**
 * Where the CLI finds the API and which token it presents: flags first, then
 * the environment. The variables are declared in {@link clientVariables}, from
 * which the README's table is generated.
 */
import { readSecretFile, SecretFileError } from '@gantry/common';

export const defaultApiUrl = 'http://127.0.0.1:8080';

/** The client's environment variables, in the same shape as the controller's declarations (README table). */
export const clientVariables = {
  GANTRY_URL: { flag: 'url', default: defaultApiUrl, help: 'API base URL the client commands talk to', secret: false },
  GANTRY_TOKEN: {
    flag: 'token-file',
    defaultText: '(required)',
    help: 'API token of the client commands; `GANTRY_TOKEN_FILE` or `--token-file` to read it from a file',
    secret: true,
  },
  NO_COLOR: {
    defaultText: '(unset)',
    help: 'set to anything to print no colour (none is printed off a terminal either)',
    secret: false,
  },
} as const;

/** The CLI cannot start: a setting is missing or malformed (exit code 2). */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code: 'missing_token' | 'invalid_url' | 'invalid_token_file';

  constructor(code: 'missing_token' | 'invalid_url' | 'invalid_token_file', message: string) {
    super(message);
    this.code = code;
  }
}

export interface Connection {
  /** Without a trailing slash. */
  baseUrl: string;
  token: string;
}

export interface ConnectionFlags {
  url?: string | undefined;
  /** Visible to every user of the machine through `ps`; kept for compatibility, with a warning. */
  token?: string | undefined;
  tokenFile?: string | undefined;
}

export function resolveConnection(flags: ConnectionFlags, env: Record<string, string | undefined>): Connection {
  const token = resolveToken(flags, env);
  const rawUrl = nonEmpty(flags.url) ?? nonEmpty(env.GANTRY_URL) ?? defaultApiUrl;
  const source = nonEmpty(flags.url) !== undefined ? '--url' : 'GANTRY_URL';
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new ConfigError('invalid_url', `${source} is not a URL: "${rawUrl}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError('invalid_url', `${source} must be an http(s) URL: "${rawUrl}"`);
  }
  return { baseUrl: url.href.replace(/\/+$/, ''), token };
}

/** --token, --token-file, GANTRY_TOKEN, GANTRY_TOKEN_FILE: the first one set wins. */
function resolveToken(flags: ConnectionFlags, env: Record<string, string | undefined>): string {
  const direct = nonEmpty(flags.token);
  if (direct !== undefined) return direct;
  const fromFile = (source: string, path: string) => {
    try {
      return readSecretFile(path).trim();
    } catch (error) {
      if (!(error instanceof SecretFileError)) throw error;
      throw new ConfigError('invalid_token_file', `${source}: ${error.message}`);
    }
  };
  const flagFile = nonEmpty(flags.tokenFile);
  if (flagFile !== undefined) return fromFile('--token-file', flagFile);
  const fromEnv = nonEmpty(env.GANTRY_TOKEN);
  if (fromEnv !== undefined) return fromEnv;
  const envFile = nonEmpty(env.GANTRY_TOKEN_FILE);
  if (envFile !== undefined) return fromFile('GANTRY_TOKEN_FILE', envFile);
  throw new ConfigError(
    'missing_token',
    'GANTRY_TOKEN is not set: use the token printed by "gantry up" (also in <data-dir>/admin-token)',
  );
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}
