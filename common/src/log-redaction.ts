/**
 * What neither side may write to a log: the protocol's credentials (agent
 * token, lease tokens), API tokens, passwords, and the values a failed
 * database query carried (drizzle and PGlite errors hold `query` and `params`,
 * PostgreSQL's `detail` quotes row values). Both loggers (the controller's
 * createLogger, the agent's createAgentLogger) use `redactedLogPaths` as pino
 * `redact` paths and pass every logged error through `redactError`.
 */

export const redactionCensor = '[redacted]';

/** pino `redact` paths of the fields known to carry secrets, at the top level and one level down. */
export const redactedLogPaths = [
  'token',
  'adminToken',
  'agentToken',
  'leaseToken',
  'authorization',
  'password',
  '*.token',
  '*.adminToken',
  '*.agentToken',
  '*.leaseToken',
  '*.authorization',
  '*.Authorization',
  '*.password',
  'req.headers.authorization',
  'request.headers.authorization',
  'headers.authorization',
];

/** Field names whose values never reach a log, at any depth of a logged error. */
const secretKey = /token|authorization|password|passwd|secret|credential|cookie/i;
const queryDataKeys = new Set(['params', 'parameters', 'query', 'detail', 'where', 'internalQuery', 'values']);
/** Shorter strings are too common to scrub out of messages (`running`, a job name). */
const minScrubbedLength = 8;
const maxDepth = 6;

const isHidden = (key: string) => secretKey.test(key) || queryDataKeys.has(key);

/**
 * Serializes a logged error with `serialize` (pino.stdSerializers.err), then
 * replaces every secret-named or query-data field with `[redacted]`, and every
 * occurrence of those values inside messages and stacks (drizzle writes the
 * query and its parameters into its message; PostgreSQL quotes bad values).
 * A string (an `err: error.message`) only loses a drizzle `params:` line.
 */
export function redactError(error: unknown, serialize: (error: Error) => unknown): unknown {
  const secrets = new Set<string>();
  collectSecrets(error, secrets, 0, new Set());
  const ordered = [...secrets].sort((a, b) => b.length - a.length);
  if (typeof error === 'string') return scrubParamsLine(error);
  return scrubValue(error instanceof Error ? serialize(error) : error, ordered, 0);
}

function collectSecrets(value: unknown, found: Set<string>, depth: number, seen: Set<object>): void {
  if (depth > maxDepth || value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  const record = value as Record<string, unknown>;
  const keys = new Set(Object.keys(record));
  if (value instanceof Error) {
    keys.add('cause');
    keys.add('errors');
  }
  for (const key of keys) {
    const field = record[key];
    if (isHidden(key)) {
      // drizzle writes `params: ${params}` into its message: the joined form is a secret too.
      if (Array.isArray(field)) addStrings(String(field), found, depth);
      addStrings(field, found, depth);
    } else collectSecrets(field, found, depth + 1, seen);
  }
}

function addStrings(value: unknown, found: Set<string>, depth: number): void {
  if (depth > maxDepth) return;
  if (typeof value === 'string') {
    if (value.length >= minScrubbedLength) found.add(value);
  } else if (Array.isArray(value)) {
    for (const item of value) addStrings(item, found, depth + 1);
  } else if (value !== null && typeof value === 'object') {
    for (const item of Object.values(value)) addStrings(item, found, depth + 1);
  }
}

function scrubValue(value: unknown, secrets: string[], depth: number): unknown {
  if (typeof value === 'string') return scrubText(value, secrets);
  if (depth > maxDepth || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => scrubValue(item, secrets, depth + 1));
  const copy: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    copy[key] = isHidden(key) ? redactionCensor : scrubValue(field, secrets, depth + 1);
  }
  return copy;
}

function scrubText(text: string, secrets: string[]): string {
  let scrubbed = text;
  for (const secret of secrets) scrubbed = scrubbed.replaceAll(secret, redactionCensor);
  return scrubbed;
}

/** A bare message cannot tell where drizzle's parameter list ends: the rest of that line goes. */
function scrubParamsLine(text: string): string {
  return text.replace(/\nparams: [^\n]*/g, `\nparams: ${redactionCensor}`);
}
