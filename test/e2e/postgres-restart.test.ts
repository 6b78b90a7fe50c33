/**
 * PostgreSQL killed (-9) mid-job and started again at the same address after
 * longer than a lease TTL: the API answers 503 saying so meanwhile, running
 * jobs keep their leases (no reaper can see the time the database was away),
 * and work resumes by itself with nothing lost.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type AgentProcess,
  api,
  type ControllerProcess,
  createGitRepo,
  type NatsServer,
  type PostgresServer,
  type RunView,
  startAgent,
  startController,
  startNats,
  startPostgres,
} from '../src/harness/index.js';
import { waitFor } from './wait.js';

const terminal = (run: RunView) => ['succeeded', 'failed', 'canceled', 'rejected'].includes(run.status);
const LEASE_TTL_MS = 4_000;

let dir: string | undefined;
let postgres: PostgresServer | undefined;
let nats: NatsServer | undefined;
let controller: ControllerProcess | undefined;
let agent: AgentProcess | undefined;
afterAll(async () => {
  await agent?.kill9();
  await controller?.stop();
  await nats?.stop();
  await postgres?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a PostgreSQL restart', () => {
  it('pauses work with 503s, keeps running jobs, and resumes by itself', async () => {
    dir = await mkdtemp(join(tmpdir(), 'gantry-pg-restart-'));
    postgres = await startPostgres();
    nats = await startNats();
    const adminToken = `admin-${randomBytes(12).toString('hex')}`;
    const agentToken = `agent-${randomBytes(12).toString('hex')}`;
    controller = await startController({
      databaseUrl: await postgres.createDatabase(),
      natsUrl: nats.url,
      dataDir: join(dir, 'controller'),
      adminToken,
      agentToken,
      env: { GANTRY_LEASE_TTL_MS: String(LEASE_TTL_MS), GANTRY_HEARTBEAT_INTERVAL_MS: '1000' },
    });
    agent = await startAgent({
      controller: controller.grpcAddress,
      natsUrl: nats.url,
      slots: 2,
      token: agentToken,
      workDir: join(dir, 'agent'),
    });
    const client = api(controller.httpUrl, adminToken);
    const marks = await mkdtemp(join(tmpdir(), 'gantry-pg-marks-'));
    const wait = `touch ${marks}/started-$GANTRY_JOB_NAME-$GANTRY_ATTEMPT; while [ ! -f ${marks}/go ]; do sleep 0.05; done`;
    const repo = await createGitRepo({
      '.gantry.yml': `name: pg-restart\nstages:\n  - name: only\n    jobs:\n${['one', 'two']
        .map((name) => `      - { name: ${name}, steps: [${JSON.stringify(wait)}, "echo ${name} survived"] }`)
        .join('\n')}\n`,
    });
    const created = await client.POST('/api/runs', { body: { repo: repo.path, ref: 'main' } });
    expect(created.response.status).toBe(201);
    const runId = created.data!.id;
    for (const name of ['one', 'two']) {
      await waitFor(`job ${name} to start`, () => existsSync(join(marks, `started-${name}-1`)));
    }

    await postgres.kill9();
    const killedAt = Date.now();
    const during = await waitFor('the API to answer 503', async () => {
      const answer = await client.GET('/api/runs/{id}', { params: { path: { id: runId } } });
      return answer.response.status === 503 ? answer : undefined;
    });
    expect(during.error).toMatchObject({ error: { code: 'DATABASE_UNAVAILABLE' } });
    expect(during.response.headers.get('retry-after')).toBe('5');
    const refused = await client.POST('/api/runs', { body: { repo: repo.path, ref: 'main' } });
    expect(refused.response.status).toBe(503);
    expect((refused.error as { error: { message: string } }).error.message).toMatch(/database is unavailable/);
    // The outage outlasts the lease TTL: a lease counted by wall time would have expired.
    await waitFor('the outage to outlast 1.5 lease TTLs', () => Date.now() - killedAt > LEASE_TTL_MS * 1.5);
    await postgres.restart();

    await waitFor('the API to answer again', async () => {
      const answer = await client.GET('/api/runs/{id}', { params: { path: { id: runId } } });
      return answer.response.status === 200;
    });
    await writeFile(join(marks, 'go'), '');
    const run = await client.waitForRun(runId, terminal, { timeoutMs: 60_000 });
    expect(run.status, `${controller.logs()}\n--- agent ---\n${agent.logs()}`).toBe('succeeded');
    expect(
      run.stages[0]!.jobs.map((job) => job.attempts.map((attempt) => attempt.status)),
      `${controller.logs()}\n--- agent ---\n${agent.logs()}`,
    ).toEqual([['succeeded'], ['succeeded']]);
    for (const job of run.stages[0]!.jobs)
      expect(await client.readLog(runId, job.id)).toContain(`${job.name} survived`);

    // Scheduling resumed: a new run goes through.
    const after = await client.POST('/api/runs', { body: { repo: repo.path, ref: 'main' } });
    expect(after.response.status).toBe(201);
    const next = await client.waitForRun(after.data!.id, terminal, { timeoutMs: 60_000 });
    expect(next.status).toBe('succeeded');
  });
});
