/**
 * What an operator scrapes from a real farm after a run: the controller's
 * /metrics (token-protected), each agent's own /metrics and /healthz, and the
 * request id on every answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AgentProcess, createGitRepo } from '../src/harness/index.js';
import { type Farm, farmLogs, startFarm } from './farm-fixture.js';
import { readExposition } from './prometheus-text.js';
import { waitFor } from './wait.js';

const pipeline = `name: metrics-e2e
stages:
  - name: build
    jobs:
      - { name: compile, steps: ["echo compiling", "echo linked"] }
  - name: test
    jobs:
      - { name: unit, steps: ["echo unit ok"] }
      - { name: lint, steps: ["echo lint ok"] }
      - { name: docs, steps: ["echo docs ok"] }
`;
const jobsInRun = 4;

/** The port an agent logged for its metrics server (`agent metrics listening`). */
function metricsPortOf(agent: AgentProcess): number {
  for (const line of agent.logs().split('\n')) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as { msg?: string; port?: number };
    if (entry.msg === 'agent metrics listening' && typeof entry.port === 'number') return entry.port;
  }
  throw new Error(`${agent.name} logged no metrics port:\n${agent.logs()}`);
}

describe('metrics of a farm after a run', () => {
  let farm: Farm;
  let runId: string;
  beforeAll(async () => {
    farm = await startFarm({ agents: 2, slots: 2, agentEnv: { GANTRY_AGENT_METRICS_PORT: '0' } });
    const repo = await createGitRepo({ '.gantry.yml': pipeline });
    const created = await farm.client.POST('/api/runs', { body: { repo: repo.path, ref: 'main' } });
    expect(created.response.status).toBe(201);
    runId = created.data!.id;
    const run = await farm.client.waitForRun(runId, (view) => view.status !== 'queued' && view.status !== 'running');
    expect(run.status, farmLogs(farm)).toBe('succeeded');
  });
  afterAll(async () => {
    await farm?.stop();
  });

  const scrapeController = async (headers: Record<string, string> = {}) =>
    fetch(`${farm.controller.httpUrl}/metrics`, {
      headers: { authorization: `Bearer ${farm.adminToken}`, ...headers },
    });

  it('serves the controller metrics to the admin token only', async () => {
    const anonymous = await fetch(`${farm.controller.httpUrl}/metrics`);
    expect(anonymous.status).toBe(401);
    const body = (await anonymous.json()) as { error: { requestId: string } };
    expect(body.error.requestId).toBe(anonymous.headers.get('x-request-id'));

    const response = await scrapeController({ 'x-request-id': 'scrape-1' });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('scrape-1');
  });

  it('shows the run, its dispatch and the farm in the controller metrics', async () => {
    // Both agents' Connect streams are open once the controller has recorded them.
    const metrics = await waitFor('both agents connected in /metrics', async () => {
      const scraped = readExposition(await (await scrapeController()).text());
      return scraped.sampleSum('gantry_agents_connected') === 2 && scraped;
    });
    const family = (name: string) => metrics.families.get(name)?.type;
    expect(family('gantry_runs')).toBe('GAUGE');
    expect(family('gantry_jobs')).toBe('GAUGE');
    expect(family('gantry_queue_depth')).toBe('GAUGE');
    expect(family('gantry_dispatch_queued_to_claimed_seconds')).toBe('HISTOGRAM');
    expect(family('gantry_dispatch_claimed_to_first_step_seconds')).toBe('HISTOGRAM');
    expect(family('gantry_job_duration_seconds')).toBe('HISTOGRAM');
    expect(family('gantry_http_request_duration_seconds')).toBe('HISTOGRAM');
    expect(family('gantry_grpc_request_duration_seconds')).toBe('HISTOGRAM');
    expect(family('gantry_lease_expiries_total')).toBe('COUNTER');
    expect(family('gantry_grpc_fenced_calls_refused_total')).toBe('COUNTER');
    expect(family('process_cpu_seconds_total')).toBe('COUNTER');

    expect(metrics.sampleSum('gantry_runs', { status: 'succeeded' })).toBeGreaterThanOrEqual(1);
    expect(metrics.sampleSum('gantry_jobs', { status: 'succeeded' })).toBeGreaterThanOrEqual(jobsInRun);
    expect(metrics.sampleSum('gantry_queue_depth', { queue: 'default' })).toBe(0);
    expect(metrics.sampleSum('gantry_agents_busy')).toBe(0);
    expect(metrics.sampleSum('gantry_lease_expiries_total')).toBe(0);
    expect(metrics.sampleSum('gantry_dispatch_queued_to_claimed_seconds_count')).toBeGreaterThanOrEqual(jobsInRun);
    expect(metrics.sampleSum('gantry_dispatch_claimed_to_first_step_seconds_count')).toBeGreaterThanOrEqual(jobsInRun);
    expect(metrics.sampleSum('gantry_job_duration_seconds_count', { result: 'succeeded' })).toBeGreaterThanOrEqual(
      jobsInRun,
    );
    expect(
      metrics.sampleSum('gantry_http_request_duration_seconds_count', {
        method: 'POST',
        route: '/api/runs',
        status: '201',
      }),
    ).toBe(1);
    expect(
      metrics.sampleSum('gantry_grpc_request_duration_seconds_count', { method: 'ClaimJob', code: 'OK' }),
    ).toBeGreaterThanOrEqual(jobsInRun);
    expect(metrics.sampleSum('gantry_outbox_unpublished')).toBeGreaterThanOrEqual(0);
    // The farm runs on PostgreSQL: the pool reports at least the connection that answered this scrape.
    expect(metrics.sampleSum('gantry_db_pool_connections')).toBeGreaterThanOrEqual(1);
  });

  it('serves each agent its own metrics and health', async () => {
    const scrapeAgent = async (agent: AgentProcess) => {
      const response = await fetch(`http://127.0.0.1:${metricsPortOf(agent)}/metrics`);
      expect(response.status).toBe(200);
      return readExposition(await response.text());
    };
    // An agent counts a job once FinishJob has been answered, just after the controller recorded it.
    const scraped = await waitFor('every job counted by the agents', async () => {
      const all = await Promise.all(farm.agents.map(scrapeAgent));
      const succeeded = all.map((metrics) => metrics.sampleSum('gantry_agent_jobs_total', { result: 'succeeded' }));
      return succeeded.reduce((sum, count) => sum + count, 0) === jobsInRun && all;
    });
    for (const [index, metrics] of scraped.entries()) {
      expect(metrics.sampleSum('gantry_agent_slots')).toBe(2);
      expect(metrics.sampleSum('gantry_agent_controller_connected')).toBe(1);
      expect(metrics.sampleSum('gantry_agent_nats_connected')).toBe(1);
      expect(metrics.families.get('process_resident_memory_bytes')?.type).toBe('GAUGE');
      expect(metrics.sampleSum('gantry_agent_claim_duration_seconds_count', { outcome: 'granted' })).toBe(
        metrics.sampleSum('gantry_agent_jobs_total'),
      );
      const agent = farm.agents[index]!;
      const health = await fetch(`http://127.0.0.1:${metricsPortOf(agent)}/healthz`);
      expect(health.status, agent.logs()).toBe(200);
      expect(await health.json()).toEqual({
        status: 'ok',
        checks: { registered: true, controller: 'connected', nats: 'connected' },
      });
    }
  });
});
