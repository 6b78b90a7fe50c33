/**
 * The client drizzle's PGlite driver is given: PGlite, with each
 * parameterised statement sent to its database in one call.
 *
 * PGlite's own `query` makes six calls into its WebAssembly PostgreSQL per
 * statement (Parse, Describe statement, Bind, Describe portal, Execute,
 * Sync): the first two learn the parameters' types so that it can turn each
 * value into text. Every call runs on the controller's one thread, and a
 * dispatch is a few dozen statements. Here a statement is one call: Parse,
 * Bind, Describe portal, Execute and Sync in one message, the parameters
 * sent as text that PostgreSQL types from the statement, as node-postgres
 * sends them to a PostgreSQL server (`parameterText`). The controller's
 * statements therefore reach both databases with the same parameter text.
 *
 * A statement the controller repeats is prepared once, under the name
 * prepared-statements.ts gives it on PostgreSQL, and from then on sent as
 * Bind, Describe, Execute and Sync: PostgreSQL parses and plans it once.
 *
 * Everything else is PGlite's own: BEGIN, COMMIT and ROLLBACK, `exec`, the
 * parsing of results (with the caller's parsers), errors (its
 * `DatabaseError`, with the SQLSTATE), closing. A statement takes PGlite's
 * locks as its `query` does: outside a transaction it waits for any open
 * transaction to end; inside one it queues behind the transaction's earlier
 * statements, in the order they were sent (what trailing-writes.ts counts
 * on).
 */
import {
  type PGlite,
  parse,
  protocol,
  type QueryOptions,
  type Results,
  type Transaction,
  types,
} from '@electric-sql/pglite';
import { StatementNames } from './prepared-statements.js';

type ParameterValue = string | Uint8Array | null;

/** The statements prepared on PGlite's one connection. */
interface PreparedOnConnection {
  readonly names: StatementNames;
  readonly prepared: Set<string>;
}

/** Wraps `pglite` for drizzle; queries through it are one call each. */
export function batchedPgliteClient(pglite: PGlite, names = new StatementNames()): PGlite {
  const statements: PreparedOnConnection = { names, prepared: new Set() };
  const runStatement = <T>(text: string, params?: unknown[], options?: QueryOptions) =>
    runOneCall<T>(pglite, statements, text, params, options);
  const client = {
    query: async <T>(text: string, params?: unknown[], options?: QueryOptions): Promise<Results<T>> => {
      if (options?.blob) return pglite.query<T>(text, params, options);
      await pglite._checkReady();
      return pglite._runExclusiveTransaction(() =>
        pglite._runExclusiveQuery(async () => {
          const results = await runStatement<T>(text, params, options);
          await pglite.syncToFs();
          return results;
        }),
      );
    },
    transaction: <T>(callback: (tx: Transaction) => Promise<T>): Promise<T> =>
      pglite.transaction((tx) => callback(batchedTransaction(pglite, tx, runStatement))),
  };
  // Drizzle's driver calls only these two.
  return client as unknown as PGlite;
}

type RunStatement = <T>(text: string, params?: unknown[], options?: QueryOptions) => Promise<Results<T>>;

function batchedTransaction(pglite: PGlite, tx: Transaction, runStatement: RunStatement): Transaction {
  return {
    // Queued on PGlite's statement lock before the first `await`: statements run in the order they were sent.
    query: async <T>(text: string, params?: unknown[], options?: QueryOptions): Promise<Results<T>> => {
      if (tx.closed) throw new Error('Transaction is closed');
      if (options?.blob) return tx.query<T>(text, params, options);
      return pglite._runExclusiveQuery(() => runStatement<T>(text, params, options));
    },
    sql: (strings, ...params) => tx.sql(strings, ...params),
    exec: (text, options) => tx.exec(text, options),
    rollback: () => tx.rollback(),
    listen: (channel, callback) => tx.listen(channel, callback),
    get closed() {
      return tx.closed;
    },
  };
}

/** One statement in one call; the caller holds PGlite's statement lock. */
async function runOneCall<T>(
  pglite: PGlite,
  statements: PreparedOnConnection,
  text: string,
  params: unknown[] = [],
  options?: QueryOptions,
): Promise<Results<T>> {
  const { serialize } = protocol;
  const name = params.length > 0 && !options?.paramTypes ? statements.names.nameFor(text) : undefined;
  const named =
    name !== undefined &&
    (statements.prepared.has(name) || statements.prepared.size < statements.names.maxPerConnection);
  const statement = named ? name : '';
  const parsing = !named || !statements.prepared.has(name);
  const message = Buffer.concat([
    ...(parsing
      ? [serialize.parse({ name: statement, text, ...(options?.paramTypes ? { types: options.paramTypes } : {}) })]
      : []),
    serialize.bind({ statement, values: params.map(parameterText) }),
    serialize.describe({ type: 'P' }),
    serialize.execute({}),
    serialize.sync(),
  ]);
  // The whole message runs, whatever fails: the Sync in it ends a failed statement.
  const messages = await pglite.execProtocolStream(message, {
    syncToFs: false,
    throwOnError: false,
    ...(options?.onNotice ? { onNotice: options.onNotice } : {}),
  });
  // A named statement exists once parsed, even if its execution then failed.
  if (named && parsing && messages.some((message) => message.name === 'parseComplete')) statements.prepared.add(name);
  const failure = messages.find((message) => message instanceof protocol.messages.DatabaseError);
  if (failure) throw failure;
  // The caller's parsers layered over PGlite's: PGlite would copy its 300-odd into a new object per statement.
  const parsers = options?.parsers ? Object.assign(Object.create(pglite.parsers), options.parsers) : pglite.parsers;
  return parse.parseResults(messages, parsers, { ...options, parsers: undefined })[0] as Results<T>;
}

/**
 * A parameter as node-postgres sends it: bytes in binary (bytea), dates as
 * ISO 8601 instants, arrays as PostgreSQL array literals, other objects as
 * JSON, everything else as its string (booleans `true`/`false`).
 */
function parameterText(value: unknown): ParameterValue {
  if (value === null || value === undefined) return null;
  if (value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return types.arraySerializer(value, elementText, 0);
  return elementText(value);
}

function elementText(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return `\\x${Buffer.from(value).toString('hex')}`;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}
