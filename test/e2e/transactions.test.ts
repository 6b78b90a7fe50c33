/**
 * The controller's PostgreSQL transactions send BEGIN in one write with their
 * first statement (controller store/deferred-begin.ts). On a real server a
 * transaction is still all or nothing and holds its locks until it ends, and
 * its connection is clean for the next query however it ended. The pool has
 * one connection, so every query below reuses the transaction's connection.
 */
import { type OpenDatabase, openDatabase } from '@gantry/controller';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase } from '../src/harness/fresh-database.js';

describe('transactions on PostgreSQL', () => {
  let opened: OpenDatabase;
  let observer: pg.Client;
  const names = async () =>
    (await observer.query<{ name: string }>('select name from notes order by name')).rows.map((row) => row.name);

  beforeAll(async () => {
    const url = await freshDatabase();
    opened = await openDatabase({ databaseUrl: url, pgliteDir: '', maxConnections: 1 });
    await opened.db.execute('create table notes (name text primary key)');
    // Another connection, outside the controller's pool: it sees only what was committed.
    observer = new pg.Client({ connectionString: url });
    await observer.connect();
  });
  afterAll(async () => {
    await observer?.end();
    await opened?.close();
  });

  it('keeps nothing of a transaction that fails after its first statement', async () => {
    const failure = opened.db.transaction(async (tx) => {
      await tx.execute("insert into notes values ('rolled back')");
      throw new Error('the job was not the caller’s');
    });
    await expect(failure).rejects.toThrow('not the caller');
    expect(await names()).toEqual([]);
  });

  it('holds a row lock from its first statement until it commits', async () => {
    await opened.db.execute("insert into notes values ('locked')");
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let locked = () => {};
    const holding = new Promise<void>((resolve) => {
      locked = resolve;
    });
    const transaction = opened.db.transaction(async (tx) => {
      await tx.execute("select name from notes where name = 'locked' for update");
      locked();
      await released;
      await tx.execute("insert into notes values ('committed')");
    });
    await holding;
    await expect(observer.query("select name from notes where name = 'locked' for update nowait")).rejects.toThrow(
      /could not obtain lock/,
    );
    expect(await names()).toEqual(['locked']);
    release();
    await transaction;
    expect(await names()).toEqual(['committed', 'locked']);
  });

  it('leaves the connection outside any transaction after one that ran no statement', async () => {
    await opened.db.transaction(async () => {});
    await expect(
      opened.db.transaction(async () => {
        throw new Error('refused before any statement');
      }),
    ).rejects.toThrow('refused before any statement');
    // Were a BEGIN left behind, this insert would run in a transaction nobody commits.
    await opened.db.execute("insert into notes values ('autocommitted')");
    expect(await names()).toContain('autocommitted');
  });
});
