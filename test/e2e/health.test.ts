/**
 * `/healthz` tells the truth about the jobs stream, and the farm heals when the
 * stream disappears: the controller creates it again on the next publish,
 * re-offers what the old stream held, and agents resume pulling without a
 * restart. The periodic stream check and the reaper's re-publish are set to an
 * hour here, so the degraded answer is observed before any repair and the
 * repair under test is the one a publish failure triggers.
 */
import type { Health as HealthAnswer } from '@gantry/client';
import { connect, type JetStreamManager, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitRepo } from '../src/harness/index.js';
import { type Farm, farmLogs, startFarm } from './farm-fixture.js';
import { waitFor } from './wait.js';

/** The answer, with the four checks the controller runs named. */
type Health = HealthAnswer & {
  checks: Record<'database' | 'nats' | 'jobStream' | 'outbox', HealthAnswer['checks'][string]>;
};

const anHour = String(60 * 60 * 1000);

function pipelineOn(queue: string) {
  return `name: health-${queue}
stages:
  - name: build
    jobs:
      - { name: compile, queue: ${queue}, steps: ["echo compiled on ${queue}"] }
  - name: test
    jobs:
      - { name: unit, queue: ${queue}, steps: ["echo tested on ${queue}"] }
`;
}

describe('health of the jobs stream', () => {
  let farm: Farm;
  let nc: NatsConnection;
  let jsm: JetStreamManager;

  const health = async () => {
    // 200 and 503 both carry the health answer.
    const { data, error, response } = await farm.client.GET('/healthz');
    return { status: response.status, body: (data ?? error) as Health };
  };
  const trigger = async (queue: string) => {
    const repo = await createGitRepo({ '.gantry.yml': pipelineOn(queue) });
    const created = await farm.client.POST('/api/runs', { body: { repo: repo.path, ref: 'main' } });
    expect(created.response.status).toBe(201);
    return created.data!.id;
  };
  const offersFor = async (queue: string) => {
    const subject = `gantry.jobs.${queue}`;
    const info = await jsm.streams.info('GANTRY_JOBS', { subjects_filter: subject });
    return info.state.subjects?.[subject] ?? 0;
  };

  beforeAll(async () => {
    farm = await startFarm({
      agents: 1,
      slots: 2,
      controllerEnv: { GANTRY_JOBS_STREAM_CHECK_INTERVAL_MS: anHour, GANTRY_REPUBLISH_AFTER_MS: anHour },
    });
    nc = await connect({ servers: farm.nats.url });
    jsm = await nc.jetstreamManager();
  });
  afterAll(async () => {
    await nc?.close();
    await farm?.stop();
  });

  it('is ok while every part works', async () => {
    const answer = await health();
    expect(answer.status).toBe(200);
    expect(answer.body.status).toBe('ok');
    for (const check of Object.values(answer.body.checks)) expect(check.ok).toBe(true);
    expect(Object.keys(answer.body.checks).sort()).toEqual(['database', 'jobStream', 'nats', 'outbox']);
  });

  it('reports the deleted stream, recreates it on the next publish, re-offers lost jobs, and runs them', async () => {
    // An offer for a queue nobody serves yet waits in the stream...
    const waitingRun = await trigger('late');
    await waitFor('the offer for queue "late" in the stream', async () => (await offersFor('late')) === 1);
    // Marked published, too: the relay's loop may publish a row its hand-over published and had not marked
    // yet, and that publish, failing on the deleted stream, would create it again before the check below.
    await waitFor(
      'the outbox to be drained',
      async () => (await health()).body.checks.outbox?.detail === 'nothing waiting',
    );

    // ...and is lost with it.
    await jsm.streams.delete('GANTRY_JOBS');
    const degraded = await health();
    expect(degraded.status).toBe(503);
    expect(degraded.body.status).toBe('degraded');
    expect(degraded.body.checks.jobStream).toEqual({ ok: false, detail: 'stream GANTRY_JOBS does not exist' });
    expect(degraded.body.checks.database.ok).toBe(true);
    expect(degraded.body.checks.nats.ok).toBe(true);

    // A new run's publish fails, the controller recreates the stream, and the agent's consumer comes back.
    const freshRun = await trigger('default');
    const fresh = await farm.client.waitForRun(freshRun, (run) => run.status !== 'queued' && run.status !== 'running', {
      timeoutMs: 90_000,
    });
    expect(fresh.status, farmLogs(farm)).toBe('succeeded');

    // The offer the old stream held was published again: an agent for "late" runs it.
    await farm.addAgent({ queue: 'late' });
    const late = await farm.client.waitForRun(
      waitingRun,
      (run) => run.status !== 'queued' && run.status !== 'running',
      { timeoutMs: 90_000 },
    );
    expect(late.status, farmLogs(farm)).toBe('succeeded');

    const healed = await waitFor('a healthy answer', async () => {
      const answer = await health();
      return answer.status === 200 ? answer : undefined;
    });
    expect(healed.body.status).toBe('ok');
    expect(farm.controller.logs()).toContain('jobs stream was missing, created it again');
  });
});
