/**
 * The controller's PostgreSQL transactions send BEGIN in one write with their
 * first statement (controller store/deferred-begin.ts), and some send their
 * COMMIT right behind their last writes (store/trailing-writes.ts). On a real
 * server a transaction is still all or nothing and holds its locks until it
 * ends, and its connection is clean for the next query however it ended. The
 * pool has one connection, so every query below reuses the transaction's
 * connection.
 */
import { answersInOrder, type OpenDatabase, openDatabase, transactionWithTrailingWrites } from '@gantry/controller';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { freshDatabase } from '../src/harness/fresh-database.js';

describe('transactions on PostgreSQL', () => {
  let opened: OpenDatabase & { url: string };
  let observer: pg.Client;
  const names = async () =>
    (await observer.query<{ name: string }>('select name from notes order by name')).rows.map((row) => row.name);

  beforeAll(async () => {
    const url = await freshDatabase();
    opened = Object.assign(await openDatabase({ databaseUrl: url, pgliteDir: '', maxConnections: 1 }), { url });
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

  it('sends the COMMIT behind trailing writes before their answers, and commits them', async () => {
    // Spied before the pool connects, so that the controller's wrappers call through the spy.
    const sent: string[] = [];
    const query = pg.Client.prototype.query;
    const spy = vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (this: pg.Client, ...args) {
      const [config] = args as unknown[];
      const text = typeof config === 'string' ? config : (config as { text?: string }).text;
      sent.push(String(text).trim().toLowerCase());
      return (query as (...all: unknown[]) => unknown).apply(this, args) as ReturnType<typeof query>;
    });
    const own = await openDatabase({ databaseUrl: opened.url, pgliteDir: '', maxConnections: 1 });
    try {
      const answeredAfter: number[] = [];
      await transactionWithTrailingWrites(own.db, async (tx) => {
        await tx.execute("insert into notes values ('first of three')");
        const trailing = ["insert into notes values ('trailing a')", "insert into notes values ('trailing b')"].map(
          (text) => tx.execute(text).then(() => answeredAfter.push(sent.length)),
        );
        return { value: undefined, trailing: answersInOrder(trailing) };
      });
      const commitAt = sent.lastIndexOf('commit');
      expect(sent.slice(commitAt - 2, commitAt + 1)).toEqual([
        "insert into notes values ('trailing a')",
        "insert into notes values ('trailing b')",
        'commit',
      ]);
      // Both answers came after the COMMIT was sent: it did not wait for them.
      for (const count of answeredAfter) expect(count).toBeGreaterThan(commitAt);
      expect(await names()).toEqual(expect.arrayContaining(['first of three', 'trailing a', 'trailing b']));
    } finally {
      spy.mockRestore();
      await own.close();
    }
  });

  it("rolls back a transaction whose trailing write fails, and reports that write's error", async () => {
    await opened.db.execute("insert into notes values ('duplicate')");
    const failing = transactionWithTrailingWrites(opened.db, async (tx) => {
      await tx.execute("insert into notes values ('not kept')");
      const trailing = [
        tx.execute("insert into notes values ('duplicate')"),
        tx.execute("insert into notes values ('nor this')"),
      ];
      return { value: 'committed', trailing: answersInOrder(trailing) };
    });
    // PostgreSQL answers that COMMIT as done (a ROLLBACK): the write's own error is what comes back.
    const error = (await failing.catch((caught: unknown) => caught)) as Error;
    expect(error.message).toContain("insert into notes values ('duplicate')");
    expect((error.cause as Error).message).toMatch(/duplicate key/);
    expect(await names()).not.toContain('not kept');
    expect(await names()).not.toContain('nor this');
    // The connection is outside any transaction again.
    await opened.db.execute("insert into notes values ('after the rollback')");
    expect(await names()).toContain('after the rollback');
  });
});
