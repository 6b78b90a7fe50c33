/**
 * Server-side prepared statements for the statements the controller repeats
 * (claims, finishes, step reports, the outbox): PostgreSQL then parses and
 * plans each once per connection instead of on every call, and node-postgres
 * sends only Bind/Execute after the first time.
 *
 * Drizzle sends every query unnamed. Each pooled connection's `query` is
 * wrapped: a parameterised statement whose text this process has sent
 * `repeatsBeforeNaming` times gets a name derived from its text (so one name
 * can never stand for two texts) and is prepared on that connection from then
 * on. Statements without parameters (BEGIN, COMMIT, migrations, which may hold
 * several commands) stay on the simple protocol, as before. A connection holds
 * at most `maxPerConnection` named statements; further texts go unnamed, so
 * statements built with a varying number of parameters cannot fill the
 * server's memory. Prepared statements outlive a rolled-back transaction and
 * die with their connection.
 *
 * A connection pooler between the controller and PostgreSQL must keep named
 * statements per client (PgBouncer ≥ 1.21 in transaction mode with
 * `max_prepared_statements` set); `GANTRY_DATABASE_PREPARED_STATEMENTS=0`
 * (openDatabase's `preparedStatements: false`) turns this off.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';

export interface PreparedStatementLimits {
  /** Times a text is seen unnamed before it is prepared: one-off statements never are. */
  repeatsBeforeNaming: number;
  /** Named statements one connection may hold. */
  maxPerConnection: number;
  /** Distinct texts counted at once; the counts start over past it. */
  maxCountedTexts: number;
}

const defaultPreparedStatementLimits: PreparedStatementLimits = {
  repeatsBeforeNaming: 2,
  maxPerConnection: 256,
  maxCountedTexts: 4096,
};

/** Decides which statement texts are named, and by what name; one per pool. */
export class StatementNames {
  readonly #limits: PreparedStatementLimits;
  readonly #seen = new Map<string, number>();
  readonly #names = new Map<string, string>();

  constructor(limits: PreparedStatementLimits = defaultPreparedStatementLimits) {
    this.#limits = limits;
  }

  /** The name to prepare `text` under, or undefined to send it unnamed this time. */
  nameFor(text: string): string | undefined {
    const known = this.#names.get(text);
    if (known !== undefined) return known;
    const seen = (this.#seen.get(text) ?? 0) + 1;
    if (seen <= this.#limits.repeatsBeforeNaming) {
      if (this.#seen.size >= this.#limits.maxCountedTexts) this.#seen.clear();
      this.#seen.set(text, seen);
      return undefined;
    }
    this.#seen.delete(text);
    if (this.#names.size >= this.#limits.maxCountedTexts) this.#names.clear();
    const name = `gantry_${createHash('sha256').update(text).digest('base64url').slice(0, 32)}`;
    this.#names.set(text, name);
    return name;
  }

  get maxPerConnection(): number {
    return this.#limits.maxPerConnection;
  }
}

interface QueryConfigLike {
  text?: unknown;
  name?: unknown;
  values?: unknown;
}

/** Wraps one connection's `query` so that statements `names` picks are prepared on it. */
export function prepareRepeatedStatements(client: pg.PoolClient, names: StatementNames): void {
  const prepared = new Set<string>();
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const named = (...args: unknown[]): unknown => {
    const [config, values] = args;
    if (!isParameterised(config, values)) return query(...args);
    const name = names.nameFor(config.text);
    if (name === undefined) return query(...args);
    if (!prepared.has(name)) {
      if (prepared.size >= names.maxPerConnection) return query(...args);
      prepared.add(name);
    }
    return query({ ...config, name }, ...args.slice(1));
  };
  client.query = named as typeof client.query;
}

/** An unnamed statement sent with parameters, as drizzle sends them: `query({ text, … }, [values])`. */
function isParameterised(config: unknown, values: unknown): config is QueryConfigLike & { text: string } {
  if (typeof config !== 'object' || config === null) return false;
  const { text, name } = config as QueryConfigLike;
  if (typeof text !== 'string' || name !== undefined) return false;
  const parameters = Array.isArray(values) ? values : (config as QueryConfigLike).values;
  return Array.isArray(parameters) && parameters.length > 0;
}
