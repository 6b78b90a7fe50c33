/**
 * The reaper's safety net for offers lost inside NATS, over PGlite with the
 * NATS side given as functions: a queued job whose offer the consumer cannot
 * hand out is offered again; when an offer made again a while ago is still
 * not among what the consumer can hand out, the consumer is stuck and is moved.
 */
import { eq, sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobs } from '../store/schema.js';
import { openTestApp, type TestApp, triggerTestRun } from '../testing/api-test-app.js';
import { Reaper } from './reaper.js';

const pipeline = `name: offers
stages:
  - name: build
    jobs:
      - { name: compile, steps: [make] }
`;

describe('re-offering jobs the consumer cannot hand out', () => {
  let testApp: TestApp;
  const moved: string[] = [];
  let reaper: Reaper;

  beforeAll(async () => {
    testApp = await openTestApp({ pipeline });
    reaper = new Reaper({
      db: testApp.database.db,
      lifecycle: testApp.lifecycle,
      scheduler: testApp.scheduler,
      log: pino({ level: 'silent' }),
      leaseTtlMs: 30_000,
      republishAfterMs: 60_000,
      // The consumer hands out nothing, whatever is published.
      countOffers: async () => 0,
      moveConsumer: async (queue) => {
        moved.push(queue);
      },
      wakeRelay: () => {},
    });
    await triggerTestRun(testApp);
  }, 60_000);
  afterAll(async () => {
    await testApp?.close();
  });

  const offersOfQueuedJob = () =>
    testApp.database.db.select({ offers: jobs.offers }).from(jobs).where(eq(jobs.status, 'queued'));
  /** Ages the queued job's last offer past republishAfterMs. */
  const ageOffers = () =>
    testApp.database.db.execute(
      sql`update jobs set queued_at = now() - interval '1 hour', last_offered_at = now() - interval '1 hour'
          where status = 'queued'`,
    );

  it('offers a job again first, and moves the consumer only once that offer, too, was not handed out', async () => {
    // Offered once, when it was queued.
    expect(await offersOfQueuedJob()).toEqual([{ offers: 1 }]);
    await ageOffers();
    await reaper.sweep();
    expect(await offersOfQueuedJob()).toEqual([{ offers: 2 }]);
    expect(moved).toEqual([]);

    // Just offered again: not stale yet, nothing to do.
    await reaper.sweep();
    expect(moved).toEqual([]);

    await ageOffers();
    await reaper.sweep();
    expect(moved).toEqual(['default']);
    expect(await offersOfQueuedJob()).toEqual([{ offers: 3 }]);
  });
});
