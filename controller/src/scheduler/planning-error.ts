/**
 * A short account of an unexpected error while planning, fit for a run's
 * `error` and a log line. A failed query's error carries the whole statement
 * and its parameters (megabytes for a big plan), so this reports the deepest
 * cause instead (the database's own message and SQLSTATE code), cut to a
 * bounded length.
 */

/** Longest message kept from an error. */
export const MAX_ERROR_MESSAGE_CHARS = 500;

export interface PlanningErrorSummary {
  /** e.g. `the database refused the plan: value too long for type character varying(10) (SQLSTATE 22001)` */
  message: string;
  /** The deepest cause's class name, for the log. */
  errorName: string;
}

export function summarizePlanningError(error: unknown): PlanningErrorSummary {
  const root = deepestCause(error);
  const name = root instanceof Error ? root.name : typeof root;
  const raw = root instanceof Error ? root.message : String(root);
  // drizzle's own error without a cause: its message is the statement and parameters.
  const text = raw.startsWith('Failed query:') ? 'a database query failed' : truncate(raw);
  const code = sqlState(root);
  const message = code === undefined ? `${name}: ${text}` : `the database refused the plan: ${text} (SQLSTATE ${code})`;
  return { message, errorName: name };
}

function deepestCause(error: unknown): unknown {
  let current = error;
  // Bounded: a cause chain could be cyclic.
  for (let depth = 0; depth < 10; depth++) {
    const cause = current instanceof Error ? current.cause : undefined;
    if (cause === undefined || cause === null) return current;
    current = cause;
  }
  return current;
}

/** Postgres (pg and PGlite) errors carry the five-character SQLSTATE in `code`. */
function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

function truncate(text: string): string {
  const line = text
    .slice(0, MAX_ERROR_MESSAGE_CHARS + 1)
    .replace(/\s+/g, ' ')
    .trim();
  return line.length <= MAX_ERROR_MESSAGE_CHARS ? line : `${line.slice(0, MAX_ERROR_MESSAGE_CHARS)}… (cut)`;
}
