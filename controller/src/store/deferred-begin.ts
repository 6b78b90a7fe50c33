/**
 * One round trip less per transaction: a transaction's BEGIN travels with its
 * first statement instead of on its own.
 *
 * Drizzle starts a transaction by sending `begin` and waiting for the answer
 * before the transaction's first statement. Each pooled connection's `query`
 * is wrapped: a `begin` is answered at once and held, and the connection's
 * next query sends it first, right in front of that query in the same write
 * (the pool's connections are in node-postgres' pipeline mode, which sends a
 * query without waiting for the one before it). PostgreSQL runs them in
 * order, so the statement runs inside the transaction exactly as before; the
 * query's promise settles with the statement's answer, or with BEGIN's error
 * if BEGIN failed. A `commit` or `rollback` that finds BEGIN still held (a
 * transaction that ran no statement) is answered at once and sends nothing:
 * the server never saw the transaction. A connection given back to the pool
 * with BEGIN still held forgets it.
 */
import type pg from 'pg';

type Query = (...args: unknown[]) => unknown;

/**
 * Wraps `client.query` (already wrapped by prepareRepeatedStatements, if at
 * all) as described above. Call the returned function when the pool takes
 * the connection back: a BEGIN still held then is forgotten.
 */
export function deferBegin(client: pg.PoolClient): () => void {
  const query = client.query.bind(client) as Query;
  let heldBegin: string | undefined;
  const deferring: Query = (...args) => {
    const text = plainText(args);
    if (text !== undefined && /^begin\b/i.test(text)) {
      heldBegin = text;
      return Promise.resolve(emptyResult('BEGIN'));
    }
    if (heldBegin === undefined) return query(...args);
    const begin = heldBegin;
    heldBegin = undefined;
    if (text !== undefined && /^(commit|rollback)$/i.test(text))
      return Promise.resolve(emptyResult(text.toUpperCase()));
    return sendTogether(client, () => [query(begin), query(...args)]);
  };
  client.query = deferring as typeof client.query;
  return () => {
    heldBegin = undefined;
  };
}

/** Sends both queries in one write; settles with the second's answer, or the first's error. */
function sendTogether(client: pg.PoolClient, send: () => unknown[]): unknown {
  const stream = (client as unknown as { connection?: { stream?: { cork?(): void; uncork?(): void } } }).connection
    ?.stream;
  stream?.cork?.();
  let sent: unknown[];
  try {
    sent = send();
  } finally {
    stream?.uncork?.();
  }
  const [begun, answered] = sent as [Promise<unknown>, unknown];
  if (!(answered instanceof Promise)) {
    // A query given a callback answers through it; BEGIN's own answer is not waited for then.
    begun.catch(() => {});
    return answered;
  }
  return begun.then(
    () => answered,
    (error: unknown) => {
      answered.catch(() => {});
      throw error;
    },
  );
}

/**
 * The text of a query sent without parameters and without a callback:
 * `query(text)`, `query({ text })` or, as drizzle sends it, `query({ text }, [])`.
 */
function plainText(args: unknown[]): string | undefined {
  const [config, values] = args;
  if (args.length > 2 || (args.length === 2 && !isEmptyArray(values))) return undefined;
  if (typeof config === 'string') return config.trim();
  if (typeof config !== 'object' || config === null) return undefined;
  const own = config as { text?: unknown; values?: unknown; name?: unknown };
  if (typeof own.text !== 'string' || own.name !== undefined) return undefined;
  if (own.values !== undefined && !isEmptyArray(own.values)) return undefined;
  return own.text.trim();
}

function isEmptyArray(value: unknown): boolean {
  return Array.isArray(value) && value.length === 0;
}

function emptyResult(command: string): pg.QueryResult {
  return { command, rowCount: null, oid: 0, rows: [], fields: [] };
}
