/** Where the CLI finds the API and which token it presents: flags first, then the environment. */

export const defaultApiUrl = 'http://127.0.0.1:8080';

/** The CLI cannot start: a setting is missing or malformed (exit code 2). */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code: 'missing_token' | 'invalid_url';

  constructor(code: 'missing_token' | 'invalid_url', message: string) {
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
  token?: string | undefined;
}

export function resolveConnection(flags: ConnectionFlags, env: Record<string, string | undefined>): Connection {
  const token = nonEmpty(flags.token) ?? nonEmpty(env.GANTRY_TOKEN);
  if (token === undefined) {
    throw new ConfigError(
      'missing_token',
      'GANTRY_TOKEN is not set: use the token printed by "gantry up" (also in <data-dir>/admin-token)',
    );
  }
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

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}
