import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { deferBegin } from './deferred-begin.js';

/** A connection that records what it is sent and when its stream is corked, as node-postgres would see it. */
function recordingConnection(failing: string[] = []) {
  const events: string[] = [];
  const textOf = (config: unknown) => (typeof config === 'string' ? config : (config as { text: string }).text);
  const client = {
    connection: {
      stream: { cork: () => events.push('cork'), uncork: () => events.push('uncork') },
    },
    query: (config: unknown, ...rest: unknown[]) => {
      const text = textOf(config);
      events.push(text);
      const answer = failing.includes(text)
        ? Promise.reject(new Error(`${text} failed`))
        : Promise.resolve({ command: text.split(' ')[0]?.toUpperCase(), rows: [{ text }] });
      const callback = rest.find((arg) => typeof arg === 'function') as
        | ((error: Error | null, result?: unknown) => void)
        | undefined;
      if (!callback) return answer;
      answer.then(
        (result) => callback(null, result),
        (error: Error) => callback(error),
      );
      return undefined;
    },
  };
  return { client: client as unknown as pg.PoolClient, events };
}

const select = { text: 'select * from runs where id = $1' };

describe('deferBegin', () => {
  it("sends a transaction's BEGIN in one write with its first statement, and answers with the statement", async () => {
    const { client, events } = recordingConnection();
    deferBegin(client);
    expect(await client.query({ text: 'begin' } as pg.QueryConfig, [])).toMatchObject({ command: 'BEGIN' });
    expect(events).toEqual([]);
    const answer = await client.query(select, ['run-1']);
    expect(answer.rows).toEqual([{ text: select.text }]);
    await client.query({ text: 'update runs set status = $1', values: ['running'] });
    await client.query({ text: 'commit' } as pg.QueryConfig, []);
    expect(events).toEqual(['cork', 'begin', select.text, 'uncork', 'update runs set status = $1', 'commit']);
  });

  it('keeps the BEGIN text as sent, isolation level included', async () => {
    const { client, events } = recordingConnection();
    deferBegin(client);
    await client.query('begin isolation level serializable');
    await client.query(select, ['run-1']);
    expect(events).toEqual(['cork', 'begin isolation level serializable', select.text, 'uncork']);
  });

  it('sends nothing for a transaction that ran no statement, whether it commits or rolls back', async () => {
    const { client, events } = recordingConnection();
    deferBegin(client);
    await client.query('begin');
    expect(await client.query('commit')).toMatchObject({ command: 'COMMIT' });
    await client.query('begin');
    expect(await client.query({ text: 'rollback' } as pg.QueryConfig, [])).toMatchObject({ command: 'ROLLBACK' });
    expect(events).toEqual([]);
    await client.query(select, ['run-1']);
    expect(events).toEqual([select.text]);
  });

  it("fails the first statement with BEGIN's error when BEGIN fails", async () => {
    const { client } = recordingConnection(['begin']);
    deferBegin(client);
    await client.query('begin');
    await expect(client.query(select, ['run-1'])).rejects.toThrow('begin failed');
  });

  it('forgets a BEGIN still held when the connection goes back to the pool', async () => {
    const { client, events } = recordingConnection();
    const forget = deferBegin(client);
    await client.query('begin');
    forget();
    await client.query(select, ['run-1']);
    expect(events).toEqual([select.text]);
  });

  it('sends a held BEGIN in front of a query that answers through a callback', async () => {
    const { client, events } = recordingConnection();
    deferBegin(client);
    await client.query('begin');
    const rows = await new Promise((resolve, reject) =>
      client.query(select.text, ['run-1'], (error, result) => (error ? reject(error) : resolve(result.rows))),
    );
    expect(rows).toEqual([{ text: select.text }]);
    expect(events).toEqual(['cork', 'begin', select.text, 'uncork']);
  });

  it('passes other statements through untouched', async () => {
    const { client, events } = recordingConnection();
    deferBegin(client);
    await client.query({ text: 'select 1' } as pg.QueryConfig, []);
    await client.query(select, ['run-1']);
    expect(events).toEqual(['select 1', select.text]);
  });
});
