/**
 * Tells a database that is away (restarting, failing over, unreachable) from
 * a query that failed on its own merits. The API answers the first with 503
 * and the agent protocol with UNAVAILABLE; nothing was written, and the same
 * request succeeds once the database is back. Errors arrive wrapped (drizzle's
 * "Failed query", the scheduler's own), so the whole `cause` chain is read.
 */

/** Socket failures node-postgres reports by errno. */
const socketCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH']);
/**
 * SQLSTATEs of a server going away: admin_shutdown, crash_shutdown, cannot_connect_now (class 08: connection
 * exceptions), and read_only_sql_transaction: a write reached a standby (a failover under way), which is
 * the request's to retry once a writable server answers, not a fault of the request.
 */
const serverGoneStates = new Set(['57P01', '57P02', '57P03', '25006']);
/** node-postgres's own messages for a lost or unobtainable connection. */
const lostConnection =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connection is not (open|queryable)/i;

export class DatabaseUnavailableError extends Error {
  override readonly name = 'DatabaseUnavailableError';
  readonly code = 'DATABASE_UNAVAILABLE';
}

/** True when `error`, or any error in its cause chain, says the database cannot be reached right now. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 8; depth++) {
    if (current instanceof DatabaseUnavailableError) return true;
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && (socketCodes.has(code) || serverGoneStates.has(code) || /^08/.test(code))) {
      return true;
    }
    if (lostConnection.test(current.message)) return true;
    // AggregateError: node reports a refused connection to each resolved address inside one.
    if (current instanceof AggregateError && current.errors.some((inner) => isDatabaseUnavailable(inner))) return true;
    current = current.cause;
  }
  return false;
}
