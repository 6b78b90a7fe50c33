/**
 * transactionWithTrailingWrites on PGlite (the PostgreSQL server's pipelined
 * connections are covered by test/e2e/transactions.test.ts): trailing writes
 * are committed with the transaction; a failed one rolls the whole
 * transaction back and is reported as itself, not as the rollback.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../testing/test-database.js';
import { type OpenDatabase, queryRows } from './database.js';
import { answersInOrder, transactionWithTrailingWrites, withNoTrailingWrites } from './trailing-writes.js';

describe('transactionWithTrailingWrites on PGlite', () => {
  let dir: string;
  let database: OpenDatabase;
  const names = async () =>
    (await queryRows<{ name: string }>(database.db, sql`select name from notes order by name`)).map((row) => row.name);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gantry-trailing-'));
    database = await openTestDatabase(join(dir, 'pglite'));
    await database.db.execute(sql`create table notes (name text primary key)`);
  }, 60_000);
  afterAll(async () => {
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('commits the trailing writes with the transaction and answers after them', async () => {
    const answered: string[] = [];
    const value = await transactionWithTrailingWrites(database.db, async (tx) => {
      await tx.execute(sql`insert into notes values ('awaited')`);
      const trailing = [
        tx.execute(sql`insert into notes values ('trailing 1')`).then(() => answered.push('trailing 1')),
        tx.execute(sql`insert into notes values ('trailing 2')`).then(() => answered.push('trailing 2')),
      ];
      return { value: 'done', trailing: answersInOrder(trailing) };
    });
    expect(value).toBe('done');
    expect(answered).toEqual(['trailing 1', 'trailing 2']);
    expect(await names()).toEqual(['awaited', 'trailing 1', 'trailing 2']);
  });

  it("rolls back everything when a trailing write fails, and throws that write's error", async () => {
    await database.db.execute(sql`insert into notes values ('taken')`);
    const failing = transactionWithTrailingWrites(database.db, async (tx) => {
      await tx.execute(sql`insert into notes values ('before')`);
      const trailing = [
        tx.execute(sql`insert into notes values ('taken')`),
        tx.execute(sql`insert into notes values ('after')`),
      ];
      return { value: 'done', trailing: answersInOrder(trailing) };
    });
    // The failed write's own error (drizzle's, naming the statement, with the server's as its cause).
    const error = (await failing.catch((caught: unknown) => caught)) as Error;
    expect(error.message).toContain("insert into notes values ('taken')");
    expect((error.cause as Error).message).toMatch(/duplicate key/);
    expect(await names()).not.toContain('before');
    expect(await names()).not.toContain('after');
  });

  it('is a plain transaction for work that leaves nothing trailing', async () => {
    const value = await transactionWithTrailingWrites(database.db, async (tx) => {
      await tx.execute(sql`insert into notes values ('plain')`);
      return withNoTrailingWrites(42);
    });
    expect(value).toBe(42);
    expect(await names()).toContain('plain');
    const thrown = transactionWithTrailingWrites(database.db, async (tx) => {
      await tx.execute(sql`insert into notes values ('thrown')`);
      throw new Error('the run is not queued');
    });
    await expect(thrown).rejects.toThrow('the run is not queued');
    expect(await names()).not.toContain('thrown');
  });
});
