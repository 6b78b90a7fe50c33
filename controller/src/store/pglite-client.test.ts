/**
 * The PGlite client drizzle is given: one call into the database per
 * statement, parameters as node-postgres sends them, repeated statements
 * prepared once, PostgreSQL's errors, and PGlite's locking kept.
 */
import { PGlite, types } from '@electric-sql/pglite';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { batchedPgliteClient } from './pglite-client.js';
import { StatementNames } from './prepared-statements.js';

describe('the batched PGlite client', () => {
  let pglite: PGlite;
  /** The first byte of each message sent into the database: 'P' Parse, 'B' Bind, 'Q' simple query. */
  const sent: string[] = [];

  beforeAll(async () => {
    pglite = await PGlite.create();
    await pglite.exec(`create table things (
      id uuid primary key, label text, count int, big bigint, flag boolean, at timestamptz,
      doc jsonb, tags text[], raw bytea, missing text)`);
    const execProtocolRaw = pglite.execProtocolRaw.bind(pglite);
    pglite.execProtocolRaw = (message, options) => {
      sent.push(String.fromCharCode(message[0] ?? 0));
      return execProtocolRaw(message, options);
    };
  }, 60_000);
  afterAll(() => pglite.close());
  beforeEach(async () => {
    await pglite.exec('delete from things');
    sent.length = 0;
  });

  it('sends a statement in one call, where PGlite itself makes six', async () => {
    const client = batchedPgliteClient(pglite);
    const result = await client.query<{ n: number }>('select $1::int + 1 as n', [41]);
    expect(result.rows).toEqual([{ n: 42 }]);
    expect(sent).toEqual(['P']);

    sent.length = 0;
    await pglite.query('select $1::int + 1 as n', [41]);
    expect(sent).toHaveLength(6);
  });

  it('sends parameters as node-postgres does, typed by the statement', async () => {
    const client = batchedPgliteClient(pglite);
    const id = crypto.randomUUID();
    const at = new Date('2026-12-02T05:00:00.123Z');
    await client.query(
      'insert into things (id, label, count, big, flag, at, doc, tags, raw, missing) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)',
      [
        id,
        'a "label"',
        7,
        9007199254740993n,
        false,
        at,
        { nested: [1, 'two'] },
        ['x"y', 'back\\slash', null],
        new Uint8Array([0, 255, 10]),
        undefined,
      ],
    );
    const { rows } = await pglite.query<Record<string, unknown>>('select * from things where id = $1', [id]);
    expect(rows[0]).toEqual({
      id,
      label: 'a "label"',
      count: 7,
      big: 9007199254740993n,
      flag: false,
      at,
      doc: { nested: [1, 'two'] },
      tags: ['x"y', 'back\\slash', null],
      raw: new Uint8Array([0, 255, 10]),
      missing: null,
    });
    const found = await client.query('select id from things where id = any($1) and flag = $2', [[id], false]);
    expect(found.rows).toEqual([{ id }]);
  });

  it("parses results with the caller's parsers over PGlite's own", async () => {
    const client = batchedPgliteClient(pglite);
    const text = "select timestamptz '2026-12-02 05:00:00Z' as at, $1::int as n";
    const raw = await client.query<{ at: unknown; n: unknown }>(text, [7], {
      parsers: { [types.TIMESTAMPTZ]: (value: string) => `raw ${value}` },
    });
    expect(raw.rows).toEqual([{ at: 'raw 2026-12-02 05:00:00+00', n: 7 }]);
    const parsed = await client.query<{ at: unknown; n: unknown }>(text, [7], { rowMode: 'array' });
    expect(parsed.rows).toEqual([[new Date('2026-12-02T05:00:00Z'), 7]]);
  });

  it('prepares a statement it repeats, once, and then sends only its execution', async () => {
    const client = batchedPgliteClient(
      pglite,
      new StatementNames({ repeatsBeforeNaming: 2, maxPerConnection: 8, maxCountedTexts: 64 }),
    );
    for (let n = 0; n < 4; n++) {
      await client.query('insert into things (id, count) values ($1, $2)', [crypto.randomUUID(), n]);
    }
    expect(sent).toEqual(['P', 'P', 'P', 'B']);
    const prepared = await pglite.query<{ name: string }>(
      `select name from pg_prepared_statements where name like 'gantry_%'`,
    );
    expect(prepared.rows).toHaveLength(1);
    expect((await pglite.query('select count from things order by count')).rows).toHaveLength(4);
  });

  it("throws PostgreSQL's error and stays usable, also when a prepared statement fails on its first execution", async () => {
    const client = batchedPgliteClient(
      pglite,
      new StatementNames({ repeatsBeforeNaming: 1, maxPerConnection: 8, maxCountedTexts: 64 }),
    );
    await expect(client.query('select $1::uuid', ['not a uuid'])).rejects.toMatchObject({ code: '22P02' });

    const id = crypto.randomUUID();
    const insert = 'insert into things (id) values ($1)';
    await client.query(insert, [id]);
    // Its second sending names it: parsed, then the execution fails on the duplicate key.
    await expect(client.query(insert, [id])).rejects.toMatchObject({ code: '23505' });
    await client.query(insert, [crypto.randomUUID()]);
    expect(sent.slice(-2)).toEqual(['P', 'B']);
    expect((await client.query('select count(*)::int as n from things', [])).rows).toEqual([{ n: 2 }]);
  });

  it('runs a transaction’s statements in the order they were sent and rolls back on failure', async () => {
    const client = batchedPgliteClient(pglite);
    const kept = crypto.randomUUID();
    await expect(
      client.transaction(async (tx) => {
        // Sent without waiting for each other's answers, as trailing writes are.
        const first = tx.query('insert into things (id, count) values ($1, 1)', [kept]);
        const second = tx.query('update things set count = count + 1 where id = $1', [kept]);
        await Promise.all([first, second]);
        expect((await tx.query('select count from things where id = $1', [kept])).rows).toEqual([{ count: 2 }]);
        await tx.query('insert into things (id) values ($1)', [kept]);
      }),
    ).rejects.toMatchObject({ code: '23505' });
    expect((await pglite.query('select * from things')).rows).toEqual([]);
  });

  it('runs a statement from outside a transaction only after that transaction ends', async () => {
    const client = batchedPgliteClient(pglite);
    let outside: Promise<unknown> | undefined;
    await expect(
      client.transaction(async (tx) => {
        await tx.query('insert into things (id) values ($1)', [crypto.randomUUID()]);
        // Would count the uncommitted row if it ran inside this transaction.
        outside = client.query('select count(*)::int as n from things', []);
        // Everything the statement could do without waiting for the transaction is done by now.
        await new Promise((resolve) => setImmediate(resolve));
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await outside).toMatchObject({ rows: [{ n: 0 }] });
  });
});
