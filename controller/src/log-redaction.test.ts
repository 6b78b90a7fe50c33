/**
 * The controller's logger keeps secrets out: a real failed fenced query on
 * PGlite (its error carries the lease token in `params` and in its message) is
 * logged with the database's reason but without the token or the query data,
 * and token fields and Authorization headers are censored.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from './main.js';
import type { OpenDatabase } from './store/database.js';
import { renewLease } from './store/leases-repository.js';
import { openTestDatabase } from './testing/test-database.js';

function capturedLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { log: createLogger('debug', 'controller', destination), text: () => lines.join('') };
}

describe('controller log redaction', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gantry-redaction-'));
  let database: OpenDatabase;

  beforeAll(async () => {
    database = await openTestDatabase(join(dir, 'pglite'));
  }, 60_000);

  afterAll(async () => {
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs a failed fenced query with its reason but without its parameters', async () => {
    const leaseToken = randomUUID();
    // A NUL byte cannot be stored in a text column: the database refuses the whole statement.
    const failure = await renewLease(database.db, { jobId: 'job\u0000x', attempt: 1, leaseToken }, 30_000).then(
      () => undefined,
      (error: unknown) => error as Error & { params?: unknown[] },
    );
    expect(failure?.params).toContain(leaseToken);
    expect(`${failure?.message}`).toContain(leaseToken);

    const { log, text } = capturedLogger();
    log.error({ err: failure, method: 'Heartbeat' }, 'grpc call failed');
    const line = JSON.parse(text()) as { err: Record<string, unknown>; msg: string };
    expect(text()).not.toContain(leaseToken);
    expect(line.msg).toBe('grpc call failed');
    expect(line.err.params).toBe('[redacted]');
    expect(line.err.query).toBe('[redacted]');
    expect(line.err.message).toMatch(/^Failed query: \[redacted\]\nparams: \[redacted\]: .+/);
  });

  it('censors token fields, Authorization headers and a drizzle params line in a bare message', () => {
    const { log, text } = capturedLogger();
    const secret = `gnt_${randomUUID()}`;
    log.info({ leaseToken: secret, agentToken: secret, lease: { leaseToken: secret } }, 'tokens');
    log.info({ req: { headers: { authorization: `Bearer ${secret}` } } }, 'request');
    log.warn({ err: `Failed query: update jobs\nparams: 1,${secret}` }, 'bare message');
    log.error({ err: Object.assign(new Error('refused'), { detail: `Failing row contains (${secret})` }) }, 'detail');
    expect(text()).not.toContain(secret);
    expect(text().match(/\[redacted\]/g)?.length).toBeGreaterThanOrEqual(6);
  });
});
