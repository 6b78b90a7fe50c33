import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable } from './database-unavailable.js';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('isDatabaseUnavailable', () => {
  it.each([
    ['a refused connection', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['a server shutting down', withCode('terminating connection due to administrator command', '57P01')],
    ['a server still starting', withCode('the database system is starting up', '57P03')],
    ['a connection exception', withCode('connection failure', '08006')],
    ['a write on a standby', withCode('cannot execute INSERT in a read-only transaction', '25006')],
    ['a lost connection', new Error('Connection terminated unexpectedly')],
    ['a full pool timing out', new Error('timeout exceeded when trying to connect')],
    [
      'a refusal wrapped by drizzle',
      new Error('Failed query: select 1', { cause: withCode('refused', 'ECONNREFUSED') }),
    ],
    ['a refusal per address', new AggregateError([withCode('refused', 'ECONNREFUSED')], 'all failed')],
  ])('says yes to %s', (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a constraint violation', withCode('duplicate key value violates unique constraint', '23505')],
    ['a syntax error', withCode('syntax error at or near "selec"', '42601')],
    ['a plain error', new Error('planning failed')],
    ['no error at all', 'a string'],
  ])('says no to %s', (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});
