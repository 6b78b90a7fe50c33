/**
 * The presence tracker over PGlite, with the reaper given as a function that
 * can be held: vouching goes on while a sweep is busy reaping, and an agent
 * that comes back while a sweep works through its list is not reaped; and
 * the real reaper, which ends an attempt only while its agent is still gone.
 */
import { and, eq, sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agents, jobs } from '../store/schema.js';
import { openTestApp, type TestApp, triggerTestRun } from '../testing/api-test-app.js';
import { enrolTestAgent } from '../testing/enrolled-agent.js';
import { AgentPresence } from './agent-presence.js';
import { Reaper } from './reaper.js';

const pipeline = `name: presence
stages:
  - name: build
    jobs:
      - { name: one, steps: [make] }
      - { name: two, steps: [make] }
`;

/** A reaper whose every `reapAgent` waits for `release()`; records the agents asked for. */
function heldReaper() {
  const asked: string[] = [];
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let reached!: (agentId: string) => void;
  const firstReap = new Promise<string>((resolve) => {
    reached = resolve;
  });
  return {
    asked,
    release,
    firstReap,
    reapAgent: async (agentId: string) => {
      asked.push(agentId);
      reached(agentId);
      await released;
      return 0;
    },
  };
}

describe('agent presence', () => {
  let testApp: TestApp;
  const agentIds: string[] = [];
  const log = pino({ level: 'silent' });
  const graceMs = 200;
  /** A presence armed from the start (its clock begins past the arming delay). */
  const armedPresence = (reaper: ReturnType<typeof heldReaper>) => {
    let clock = 0;
    const presence = new AgentPresence({
      db: testApp.database.db,
      reaper,
      log,
      reconnectGraceMs: graceMs,
      leaseTtlMs: 30_000,
      now: () => clock,
    });
    clock = 1e9;
    return presence;
  };
  const lastSeenOf = async (agentId: string) => {
    const [row] = await testApp.database.db
      .select({ lastSeenAt: agents.lastSeenAt })
      .from(agents)
      .where(eq(agents.id, agentId));
    return row?.lastSeenAt.getTime() ?? 0;
  };

  beforeAll(async () => {
    testApp = await openTestApp({ pipeline });
    await triggerTestRun(testApp);
    // Two agents, each running one job of the run.
    const queued = await testApp.database.db.select().from(jobs).where(eq(jobs.status, 'queued'));
    expect(queued).toHaveLength(2);
    for (const [index, job] of queued.entries()) {
      const agent = await enrolTestAgent(testApp.database.db, { name: `presence-${index}` });
      const claim = await testApp.lifecycle.claim(agent.agentId, job.id, job.attempt);
      expect(claim.granted).toBe(true);
      agentIds.push(agent.agentId);
    }
  }, 60_000);
  afterAll(async () => {
    await testApp?.close();
  });

  /** Both agents' sessions closed an hour ago: both are gone. */
  const bothGone = () =>
    testApp.database.db.execute(
      sql`update agents set session_id = 'closed', connected_at = now() - interval '2 hours',
          disconnected_at = now() - interval '1 hour', last_seen_at = now() - interval '1 hour'`,
    );

  it('keeps vouching for its own agents while a sweep is busy reaping', async () => {
    await bothGone();
    const reaper = heldReaper();
    const presence = armedPresence(reaper);
    const [gone, here] = agentIds as [string, string];
    // `here` reconnects to this replica; `gone` stays away and its reaping hangs.
    await testApp.database.db.execute(sql`update agents set session_id = null where id = ${here}`);
    await presence.connected(here, () => 0);
    const stop = new AbortController();
    const running = presence.run(stop.signal);
    try {
      expect(await reaper.firstReap).toBe(gone);
      const seen = await lastSeenOf(here);
      // Without a vouching loop of its own, `here` is vouched for again only once the reaping ends.
      await expect.poll(() => lastSeenOf(here), { timeout: 20_000, interval: 50 }).toBeGreaterThan(seen);
    } finally {
      stop.abort();
      reaper.release();
      await running;
    }
    expect(reaper.asked).toEqual([gone]);
  });

  it('does not reap an agent that came back while the sweep was reaping another', async () => {
    await bothGone();
    const reaper = heldReaper();
    const presence = armedPresence(reaper);
    const sweeping = presence.sweep();
    const first = await reaper.firstReap;
    const other = agentIds.find((id) => id !== first) as string;
    await presence.connected(other, () => 0);
    reaper.release();
    await sweeping;
    expect(reaper.asked).toEqual([first]);
  });

  it("ends a gone agent's attempts only while it is still gone, checked in the ending's transaction", async () => {
    await bothGone();
    const [back, gone] = agentIds as [string, string];
    await armedPresence(heldReaper()).connected(back, () => 0);
    const reaper = new Reaper({
      db: testApp.database.db,
      lifecycle: testApp.lifecycle,
      scheduler: testApp.scheduler,
      log,
      leaseTtlMs: 30_000,
      republishAfterMs: 60_000,
      countOffers: async () => 0,
      wakeRelay: () => {},
    });
    const runningJobOf = (agentId: string) =>
      testApp.database.db
        .select({ id: jobs.id })
        .from(jobs)
        .where(and(eq(jobs.agentId, agentId), eq(jobs.status, 'running')));
    // Asked as if listed gone before it came back: its attempt stays.
    expect(await reaper.reapAgent(back, 'agent disconnected', { onlyIfAgentGoneMs: graceMs })).toBe(0);
    expect(await runningJobOf(back)).toHaveLength(1);
    expect(await reaper.reapAgent(gone, 'agent disconnected', { onlyIfAgentGoneMs: graceMs })).toBe(1);
    expect(await runningJobOf(gone)).toEqual([]);
  });
});
