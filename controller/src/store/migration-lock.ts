/**
 * Serialises schema migrations across controller replicas sharing one
 * PostgreSQL database. drizzle's migrator takes no lock of its own: two
 * replicas starting together both ran `CREATE SCHEMA IF NOT EXISTS` (one
 * failed on the catalogue's unique index) or both applied the same
 * migration. Here the migrator runs on one pooled connection that holds a
 * session-level advisory lock for its whole run; the others wait on
 * `pg_advisory_lock`, then find nothing left to apply.
 */
import type pg from 'pg';

/** The advisory lock key of migrations ("gantry" in ASCII); no other lock of Gantry uses it. */
export const MIGRATION_LOCK_KEY = 0x67616e747279n;

/**
 * Runs `migrate` on one connection of `pool` while holding the migration
 * lock. The lock is released when `migrate` settles, and with the session if
 * the connection breaks (PostgreSQL drops a dead session's locks).
 */
export async function withMigrationLock<T>(pool: pg.Pool, migrate: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
    try {
      return await migrate(client);
    } finally {
      await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY.toString()]).catch((error: Error) => {
        broken = error;
      });
    }
  } catch (error) {
    broken = error as Error;
    throw error;
  } finally {
    // A connection whose unlock failed may still hold the lock: destroy it rather than pool it.
    client.release(broken);
  }
}
