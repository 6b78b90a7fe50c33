import type { NatsConnection } from 'nats';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ensureJobsStreamPatiently } from './jobs-stream.js';

const connection = {} as NatsConnection;
const quick = { initialDelayMs: 1, maxDelayMs: 2, maxAttempts: 4 };
const timeout = () => Object.assign(new Error('TIMEOUT'), { code: 'TIMEOUT' });

function logged() {
  const lines: Array<{ msg: string; failures: number }> = [];
  return { log: pino({}, { write: (line: string) => lines.push(JSON.parse(line)) }), lines };
}

describe('ensureJobsStreamPatiently', () => {
  it('tries again while JetStream does not answer, saying so each time', async () => {
    const { log, lines } = logged();
    let calls = 0;
    const ensure = async () => {
      calls++;
      if (calls < 3) throw calls === 1 ? timeout() : Object.assign(new Error('503'), { code: '503' });
    };
    await ensureJobsStreamPatiently(connection, 3, log, quick, ensure);
    expect(calls).toBe(3);
    expect(lines.map((line) => [line.msg, line.failures])).toEqual([
      ['jetstream not answering yet, retrying', 1],
      ['jetstream not answering yet, retrying', 2],
    ]);
  });

  it('fails at once on a refusal, and after its attempts when JetStream never answers', async () => {
    const { log } = logged();
    let calls = 0;
    const refused = Object.assign(new Error('replicas > 1 not supported in non-clustered mode'), {
      code: '500',
      api_error: { code: 500, err_code: 10074 },
    });
    const refuse = async () => {
      calls++;
      throw refused;
    };
    await expect(ensureJobsStreamPatiently(connection, 3, log, quick, refuse)).rejects.toBe(refused);
    expect(calls).toBe(1);

    calls = 0;
    const silent = async () => {
      calls++;
      throw timeout();
    };
    await expect(ensureJobsStreamPatiently(connection, 3, log, quick, silent)).rejects.toThrow('TIMEOUT');
    expect(calls).toBe(4);
  });
});
