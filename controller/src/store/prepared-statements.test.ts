import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { prepareRepeatedStatements, StatementNames } from './prepared-statements.js';

/** A connection that records the query configs it is sent, as node-postgres would receive them. */
function recordingConnection() {
  const sent: unknown[] = [];
  const client = {
    query: (config: unknown, ..._rest: unknown[]) => {
      sent.push(config);
      return Promise.resolve({ rows: [] });
    },
  };
  return { client: client as unknown as pg.PoolClient, sent };
}

const claim = { text: 'update jobs set status = $1 where id = $2', rowMode: 'array' };
const nameOf = (config: unknown) => (config as { name?: string }).name;

describe('prepareRepeatedStatements', () => {
  it('names a parameterised statement once it repeats, and keeps the rest of its config', async () => {
    const { client, sent } = recordingConnection();
    prepareRepeatedStatements(
      client,
      new StatementNames({ repeatsBeforeNaming: 2, maxPerConnection: 8, maxCountedTexts: 64 }),
    );
    for (let i = 0; i < 4; i++) await client.query(claim as pg.QueryConfig, ['running', `job-${i}`]);

    expect(sent.slice(0, 2).map(nameOf)).toEqual([undefined, undefined]);
    const [third, fourth] = sent.slice(2) as Array<{ name: string; text: string; rowMode: string }>;
    expect(third?.name).toMatch(/^gantry_[\w-]{32}$/);
    expect(fourth?.name).toBe(third?.name);
    expect(third).toMatchObject({ text: claim.text, rowMode: 'array' });
    // The caller's config is not changed: drizzle reuses it.
    expect(nameOf(claim)).toBeUndefined();
  });

  it('gives different texts different names, on every connection of the pool alike', async () => {
    const names = new StatementNames({ repeatsBeforeNaming: 0, maxPerConnection: 8, maxCountedTexts: 64 });
    const first = recordingConnection();
    const second = recordingConnection();
    prepareRepeatedStatements(first.client, names);
    prepareRepeatedStatements(second.client, names);
    await first.client.query(claim as pg.QueryConfig, ['running', 'a']);
    await first.client.query({ text: 'select 1 where $1::int = 1' }, [1]);
    await second.client.query(claim as pg.QueryConfig, ['running', 'b']);

    const [claimOnFirst, other] = first.sent.map(nameOf);
    expect(other).not.toBe(claimOnFirst);
    expect(nameOf(second.sent[0])).toBe(claimOnFirst);
  });

  it('leaves statements without parameters unnamed: BEGIN, COMMIT, several commands at once', async () => {
    const { client, sent } = recordingConnection();
    prepareRepeatedStatements(
      client,
      new StatementNames({ repeatsBeforeNaming: 0, maxPerConnection: 8, maxCountedTexts: 64 }),
    );
    for (let i = 0; i < 3; i++) {
      await client.query('begin');
      await client.query({ text: 'create table a (x int); create table b (y int)' }, []);
      await client.query({ text: 'commit' });
    }
    expect(sent.map(nameOf)).toEqual(Array(9).fill(undefined));
  });

  it('keeps a name the caller chose', async () => {
    const { client, sent } = recordingConnection();
    prepareRepeatedStatements(
      client,
      new StatementNames({ repeatsBeforeNaming: 0, maxPerConnection: 8, maxCountedTexts: 64 }),
    );
    await client.query({ name: 'mine', text: claim.text }, ['running', 'a']);
    expect(nameOf(sent[0])).toBe('mine');
  });

  it('prepares at most maxPerConnection texts on one connection; the rest go unnamed', async () => {
    const { client, sent } = recordingConnection();
    prepareRepeatedStatements(
      client,
      new StatementNames({ repeatsBeforeNaming: 0, maxPerConnection: 2, maxCountedTexts: 64 }),
    );
    // A statement whose text varies with its number of parameters, as `in ($1, $2, …)` does.
    const inList = (count: number) => ({
      text: `select id from jobs where id in (${Array.from({ length: count }, (_, i) => `$${i + 1}`).join(', ')})`,
    });
    for (let count = 1; count <= 4; count++) {
      const values = Array.from({ length: count }, (_, i) => `job-${i}`);
      await client.query(inList(count), values);
      await client.query(inList(count), values);
    }
    const named = sent.map(nameOf);
    expect(named.slice(0, 4).every((name) => name !== undefined)).toBe(true);
    expect(named.slice(4)).toEqual([undefined, undefined, undefined, undefined]);
    // The two it prepared are still used.
    await client.query(inList(1), ['job-0']);
    expect(nameOf(sent.at(-1))).toBe(named[0]);
  });

  it('forgets counts past maxCountedTexts rather than growing', () => {
    const names = new StatementNames({ repeatsBeforeNaming: 1, maxPerConnection: 8, maxCountedTexts: 2 });
    expect(names.nameFor('a $1')).toBeUndefined();
    expect(names.nameFor('b $1')).toBeUndefined();
    // Counting a third text starts the counts over: "a" is new again.
    expect(names.nameFor('c $1')).toBeUndefined();
    expect(names.nameFor('a $1')).toBeUndefined();
    expect(names.nameFor('a $1')).toMatch(/^gantry_/);
  });
});
