/**
 * The controller's health checks on embedded PGlite: the outbox counts as
 * draining until its oldest unpublished row is older than the limit (by
 * database time), and every failing check names its problem.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenDatabase } from '../store/database.js';
import { markPublished } from '../store/outbox-repository.js';
import { outbox } from '../store/schema.js';
import { openTestDatabase } from '../testing/test-database.js';
import { controllerHealthChecks } from './controller-checks.js';
import { runHealthChecks } from './health-report.js';

describe('controller health checks', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gantry-health-'));
  let database: OpenDatabase;
  let streamExists = true;

  const report = () =>
    runHealthChecks(
      controllerHealthChecks({
        db: database.db,
        databaseKind: database.kind,
        pingNats: async () => {},
        jobsStreamExists: async () => streamExists,
        outboxMaxAgeMs: 60_000,
      }),
      5_000,
    );

  const addOffer = async (ageSeconds: number) => {
    const [row] = await database.db
      .insert(outbox)
      .values({
        subject: 'gantry.jobs.default',
        msgId: `job-${ageSeconds}.1`,
        payload: {},
        createdAt: sql`now() - make_interval(secs => ${ageSeconds})`,
      })
      .returning({ id: outbox.id });
    return row!.id;
  };

  beforeAll(async () => {
    database = await openTestDatabase(join(dir, 'pglite'));
  }, 60_000);

  afterAll(async () => {
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is healthy with an empty outbox and with a fresh unpublished row', async () => {
    expect(await report()).toEqual({
      ok: true,
      checks: {
        database: { ok: true, detail: 'pglite answered' },
        nats: { ok: true, detail: 'connected' },
        jobStream: { ok: true, detail: 'stream GANTRY_JOBS exists' },
        outbox: { ok: true, detail: 'nothing waiting' },
      },
    });
    const fresh = await addOffer(0);
    const health = await report();
    expect(health.ok).toBe(true);
    expect(health.checks.outbox?.detail).toMatch(/^oldest unpublished offer waits \d+ ms$/);
    await database.db.transaction((tx) => markPublished(tx, [fresh]));
  });

  it('reports an outbox that stopped draining, and recovers once the row is published', async () => {
    const stuck = await addOffer(120);
    const health = await report();
    expect(health.ok).toBe(false);
    expect(health.checks.outbox?.ok).toBe(false);
    expect(health.checks.outbox?.detail).toMatch(
      /^not draining: oldest unpublished offer waits 1\d{5} ms \(limit 60000 ms\)$/,
    );
    expect(health.checks.database?.ok).toBe(true);

    await database.db.transaction((tx) => markPublished(tx, [stuck]));
    expect((await report()).checks.outbox).toEqual({ ok: true, detail: 'nothing waiting' });
  });

  it('names a missing jobs stream', async () => {
    streamExists = false;
    const health = await report();
    expect(health.ok).toBe(false);
    expect(health.checks.jobStream).toEqual({ ok: false, detail: 'stream GANTRY_JOBS does not exist' });
    streamExists = true;
  });

  it('reports a check that does not answer in time as failed', async () => {
    const health = await runHealthChecks({ hangs: () => new Promise<string>(() => {}) }, 50);
    expect(health).toEqual({ ok: false, checks: { hangs: { ok: false, detail: 'no answer within 50 ms' } } });
  });
});
