/**
 * The controller's metrics as an operator scrapes them: GET /metrics through
 * the app (the token rule, the exposition), the dispatch facts observed as a
 * job is claimed, started and finished, and agent calls refused by the fence.
 */

import { Metadata, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../api/app.js';
import { takeUnpublished } from '../store/outbox-repository.js';
import { testAgentService } from '../testing/agent-service.js';
import { openTestApp, type TestApp, testAdminToken } from '../testing/api-test-app.js';
import { enrolTestAgent } from '../testing/enrolled-agent.js';

const auth = { authorization: `Bearer ${testAdminToken}` };
const pipeline = `name: metrics
stages:
  - name: build
    jobs:
      - { name: compile, queue: linux, steps: [make, make check] }
      - { name: docs, queue: linux, steps: [make docs] }
`;

/** The value of one series (`x_count` of a histogram too), through prom-client's own JSON view of the registry. */
async function seriesValue(testApp: TestApp, name: string, labels: Record<string, string> = {}) {
  for (const family of await testApp.metrics.registry.getMetricsAsJSON()) {
    for (const series of family.values as Series[]) {
      if ((series.metricName ?? family.name) !== name) continue;
      if (Object.entries(labels).every(([key, value]) => String(series.labels[key]) === value)) return series.value;
    }
  }
  return undefined;
}

type Series = { value: number; labels: Record<string, string | number>; metricName?: string };

describe('GET /metrics', () => {
  let testApp: TestApp;
  const count = (name: string, labels: Record<string, string>) => seriesValue(testApp, `${name}_count`, labels);
  beforeAll(async () => {
    testApp = await openTestApp({ pipeline });
  }, 60_000);
  afterAll(async () => {
    await testApp?.close();
  });

  it('requires the admin token', async () => {
    const response = await testApp.app.request('/metrics');
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
  });

  it('observes a job from queue to finish and shows the farm state', async () => {
    const trigger = await testApp.app.request('/api/runs', {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ repo: testApp.repo, ref: 'main' }),
    });
    expect(trigger.status).toBe(201);
    await testApp.scheduler.settle();

    const offers = await testApp.database.db.transaction((tx) => takeUnpublished(tx, 10));
    expect(offers).toHaveLength(2);
    const offer = offers[0]!.payload as { jobId: string; attempt: number };
    const claim = await testApp.lifecycle.claim('agent-1', offer.jobId, offer.attempt);
    if (!claim.granted) throw new Error(`claim refused: ${claim.reason}`);
    const lease = { jobId: offer.jobId, attempt: offer.attempt, leaseToken: claim.leaseToken };
    const step = { stepIndex: 0, exitCode: 0, startedAtMs: Date.now(), finishedAtMs: 0 };
    await testApp.lifecycle.reportSteps(lease, [{ ...step, state: 'running' }]);
    // A repeated report of the same step is not a second start.
    await testApp.lifecycle.reportSteps(lease, [{ ...step, state: 'running' }]);
    await testApp.lifecycle.reportSteps(lease, [{ ...step, state: 'succeeded', finishedAtMs: Date.now() }]);
    await testApp.lifecycle.finish(lease, { status: 'succeeded', exitCode: 0, message: null });

    const response = await testApp.app.request('/metrics', { headers: auth });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();
    for (const family of [
      'gantry_runs',
      'gantry_jobs',
      'gantry_queue_depth',
      'gantry_queue_oldest_age_seconds',
      'gantry_dispatch_queued_to_claimed_seconds',
      'gantry_claims_per_statement',
      'gantry_dispatch_claimed_to_first_step_seconds',
      'gantry_job_duration_seconds',
      'gantry_agents_connected',
      'gantry_agents_busy',
      'gantry_agents_draining',
      'gantry_outbox_unpublished',
      'gantry_outbox_oldest_age_seconds',
      'gantry_lease_expiries_total',
      'gantry_grpc_fenced_calls_refused_total',
      'gantry_http_request_duration_seconds',
      'gantry_grpc_request_duration_seconds',
      'process_cpu_seconds_total',
      'nodejs_eventloop_lag_seconds',
    ]) {
      expect(text, family).toContain(`# TYPE ${family} `);
    }
    // PGlite has no pool to report.
    expect(text).not.toContain('gantry_db_pool_connections');
    expect(text).toContain('gantry_runs{status="running"} 1');

    // The one claim went alone.
    expect(await seriesValue(testApp, 'gantry_claims_per_statement_count')).toBe(1);
    expect(await seriesValue(testApp, 'gantry_claims_per_statement_sum')).toBe(1);
    expect(await seriesValue(testApp, 'gantry_jobs', { status: 'succeeded' })).toBe(1);
    expect(await seriesValue(testApp, 'gantry_jobs', { status: 'queued' })).toBe(1);
    expect(await seriesValue(testApp, 'gantry_queue_depth', { queue: 'linux' })).toBe(1);
    expect(await seriesValue(testApp, 'gantry_queue_oldest_age_seconds', { queue: 'linux' })).toBeGreaterThanOrEqual(0);
    // Both offers were taken from the outbox but never marked published (no relay here).
    expect(await seriesValue(testApp, 'gantry_outbox_unpublished')).toBe(2);
    expect(await seriesValue(testApp, 'gantry_agents_connected')).toBe(0);
    expect(await count('gantry_dispatch_queued_to_claimed_seconds', { queue: 'linux' })).toBe(1);
    expect(await count('gantry_dispatch_claimed_to_first_step_seconds', { queue: 'linux' })).toBe(1);
    expect(await count('gantry_job_duration_seconds', { queue: 'linux', result: 'succeeded' })).toBe(1);
    expect(
      await count('gantry_http_request_duration_seconds', { method: 'POST', route: '/api/runs', status: '201' }),
    ).toBe(1);
  });

  it('answers without a token when GANTRY_METRICS_PUBLIC=1', async () => {
    const app = createApp({ ...testApp.deps, metrics: { instruments: testApp.metrics, public: true } });
    const response = await app.request('/metrics');
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('# TYPE gantry_runs gauge');
  });

  it('counts agent calls by method and code, and the ones refused by the lease fence', async () => {
    const { credential } = await enrolTestAgent(testApp.database.db, { name: 'metrics-agent' });
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${credential}`);
    const service = testAgentService(testApp, { metrics: testApp.metrics });
    const heartbeat = (request: unknown) =>
      new Promise<{ code?: number } | null>((resolve) => {
        const call = { metadata, request } as unknown as ServerUnaryCall<never, never>;
        const callback: sendUnaryData<never> = (error) => resolve(error as { code?: number } | null);
        (service.Heartbeat as (call: unknown, callback: unknown) => void)(call, callback);
      });
    const refused = await heartbeat({ lease: { jobId: 'no-such-job', attempt: 1, leaseToken: 'forged' } });
    expect(refused?.code).toBe(9); // FAILED_PRECONDITION
    expect(await seriesValue(testApp, 'gantry_grpc_fenced_calls_refused_total', { method: 'Heartbeat' })).toBe(1);
    expect(
      await count('gantry_grpc_request_duration_seconds', { method: 'Heartbeat', code: 'FAILED_PRECONDITION' }),
    ).toBe(1);
  });
});
