/**
 * Opens the one database the controller uses — a PostgreSQL server when a
 * `postgres://` URL is given, otherwise embedded PGlite in the data directory —
 * and brings its schema up to date with the migrations in /migrations.
 * Only store/ imports drizzle, pg and PGlite.
 */
import { fileURLToPath } from 'node:url';
import { type SQL, sql } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { deferBegin } from './deferred-begin.js';
import { withMigrationLock } from './migration-lock.js';
import { prepareRepeatedStatements, StatementNames } from './prepared-statements.js';
import * as schema from './schema.js';

export type Schema = typeof schema;
export type Database = PgDatabase<PgQueryResultHKT, Schema>;
// biome-ignore lint/suspicious/noExplicitAny: drizzle's relational-config generic is irrelevant here
export type Transaction = PgTransaction<PgQueryResultHKT, Schema, any>;
/** Either the database or an open transaction: repositories accept both. */
export type Queryable = Database | Transaction;

export interface OpenDatabase {
  db: Database;
  kind: 'postgres' | 'pglite';
  /** Connection pool use, on PostgreSQL only (PGlite is one in-process connection). */
  poolUse?: () => PoolUse;
  close(): Promise<void>;
}

export interface PoolUse {
  /** Open connections, idle or checked out. */
  total: number;
  idle: number;
  /** Queries waiting for a connection. */
  waiting: number;
}

export interface DatabaseOptions {
  /** `postgres://…`; when absent, PGlite stores its files in `pgliteDir`. */
  databaseUrl?: string | undefined;
  pgliteDir: string;
  /** Pool size for a PostgreSQL server. */
  maxConnections?: number;
  /** Prepare repeated statements on each connection (prepared-statements.ts); PostgreSQL only. Default true. */
  preparedStatements?: boolean;
}

/** Migrations ship at the repository root; the same path works from src/ and dist/. */
export const migrationsFolder = fileURLToPath(new URL('../../../migrations', import.meta.url));

export class DatabaseOpenError extends Error {
  override readonly name = 'DatabaseOpenError';
  readonly code = 'DATABASE_OPEN_FAILED';
}

/**
 * Opens and migrates. Safe to call from several replicas at once: on
 * PostgreSQL the migrations run under a session advisory lock (see
 * migration-lock.ts), so one replica applies them and the others, waiting on
 * the lock, find them applied. PGlite is one process's own database.
 */
export async function openDatabase(options: DatabaseOptions): Promise<OpenDatabase> {
  if (options.databaseUrl) {
    const { databaseUrl, maxConnections = 10, preparedStatements = true } = options;
    return openPostgres(databaseUrl, maxConnections, preparedStatements);
  }
  // PGlite (and its half of drizzle) is loaded only by a controller that uses it.
  const { openPglite } = await import('./open-pglite.js');
  const { db, close } = await openPglite(options.pgliteDir, migrationsFolder);
  return { db: db as unknown as Database, kind: 'pglite', close };
}

async function openPostgres(url: string, max: number, preparedStatements: boolean): Promise<OpenDatabase> {
  // Pipeline mode lets deferBegin send a transaction's BEGIN with its first statement.
  const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 10_000, pipeline: true });
  pool.on('error', () => {
    // An idle client lost its connection; the pool replaces it on next use.
  });
  // A checked-out client (inside a transaction, holding the migration lock) whose server
  // goes away between two queries emits 'error' with no listener, which would crash the
  // process on every Postgres restart. Its next query fails instead, and the pool drops it.
  const names = preparedStatements ? new StatementNames() : undefined;
  const heldBegins = new WeakMap<pg.PoolClient, () => void>();
  pool.on('connect', (client) => {
    client.on('error', () => {});
    if (names) prepareRepeatedStatements(client, names);
    heldBegins.set(client, deferBegin(client));
  });
  pool.on('release', (_error, client) => heldBegins.get(client)?.());
  try {
    await withMigrationLock(pool, (client) => migratePg(drizzlePg(client), { migrationsFolder }));
    const db = drizzlePg(pool, { schema });
    return {
      db: db as unknown as Database,
      kind: 'postgres',
      poolUse: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
      close: () => pool.end(),
    };
  } catch (error) {
    await pool.end().catch(() => {});
    throw new DatabaseOpenError(`cannot open database ${redactUrl(url)}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}

/** Runs raw SQL and returns its rows; node-postgres and PGlite both answer `{ rows }`. */
export async function queryRows<Row>(db: Queryable, query: SQL): Promise<Row[]> {
  const result = (await db.execute(query)) as unknown as { rows: Row[] };
  return result.rows;
}

/** One trivial round trip: resolves once the database answered. */
export async function pingDatabase(db: Queryable): Promise<void> {
  await db.execute(sql`select 1`);
}
