/**
 * Two controller replicas on one Postgres database and one nats-server, agents
 * given both addresses: work triggered on one is seen and approved on the
 * other; kill -9 of the replica the agents talk to, while their jobs run,
 * re-runs nothing; runs a dead replica accepted are planned by the live one.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AgentProcess,
  api,
  type ControllerProcess,
  createGitRepo,
  freshDatabase,
  type NatsServer,
  type RunView,
  startAgent,
  startController,
  startNats,
} from '../src/harness/index.js';
import { waitFor } from './wait.js';

const terminal = (run: RunView) => ['succeeded', 'failed', 'canceled', 'rejected'].includes(run.status);
const adminToken = `admin-${randomBytes(12).toString('hex')}`;
const agentToken = `agent-${randomBytes(12).toString('hex')}`;
// Short enough that a failover slower than a few seconds would expire leases (agents self-fence at 2/3 TTL).
const controllerEnv = { GANTRY_LEASE_TTL_MS: '6000', GANTRY_HEARTBEAT_INTERVAL_MS: '1000' };

let dir: string;
let nats: NatsServer;
let databaseUrl: string;
let first: ControllerProcess;
let second: ControllerProcess;
const agents: AgentProcess[] = [];
const extraAgents: AgentProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gantry-replicas-'));
  nats = await startNats();
  databaseUrl = await freshDatabase();
  const replica = (name: string) =>
    startController({
      databaseUrl,
      natsUrl: nats.url,
      dataDir: join(dir, name),
      adminToken,
      agentToken,
      env: controllerEnv,
    });
  first = await replica('first');
  second = await replica('second');
  for (const index of [0, 1]) {
    agents.push(
      await startAgent({
        // The first replica is tried first, so both agents start out connected to it.
        controller: `${first.grpcAddress},${second.grpcAddress}`,
        natsUrl: nats.url,
        slots: 2,
        token: agentToken,
        workDir: join(dir, `agent-${index}`),
        name: `replica-agent-${index}`,
      }),
    );
  }
});

afterAll(async () => {
  await Promise.allSettled([...agents, ...extraAgents].map((agent) => agent.kill9()));
  await Promise.allSettled([first?.stop(), second?.stop()]);
  await nats?.stop();
  await rm(dir, { recursive: true, force: true });
});

function logsOfAll(): string {
  return [
    `--- first ---\n${first.logs()}`,
    `--- second ---\n${second.logs()}`,
    ...agents.map((agent) => `--- ${agent.name} ---\n${agent.logs()}`),
  ].join('\n');
}

describe('two controller replicas', () => {
  it('survives kill -9 of the replica the agents use: every job runs once, the run is approved on the other', async () => {
    const marks = await mkdtemp(join(tmpdir(), 'gantry-replica-marks-'));
    const wait = `touch ${marks}/started-$GANTRY_JOB_NAME-$GANTRY_ATTEMPT; while [ ! -f ${marks}/go ]; do sleep 0.05; done`;
    const repo = await createGitRepo({
      '.gantry.yml': `name: replicas
stages:
  - name: test
    jobs:
${['unit', 'lint', 'api']
  .map(
    (name) =>
      `      - { name: ${name}, steps: [${JSON.stringify(wait)}, "echo ${name} done by attempt $GANTRY_ATTEMPT"] }`,
  )
  .join('\n')}
  - name: production
    environment: production
    approval: { required: 1 }
    jobs:
      - { name: deploy, steps: ["echo deployed by attempt $GANTRY_ATTEMPT"] }
`,
    });
    const onFirst = api(first.httpUrl, adminToken);
    const onSecond = api(second.httpUrl, adminToken);
    const created = await onFirst.POST('/api/runs', { body: { repo: repo.path, ref: 'main' } });
    expect(created.response.status).toBe(201);
    const runId = created.data!.id;

    // The other replica sees it at once: the state is in the database.
    const seen = await onSecond.GET('/api/runs/{id}', { params: { path: { id: runId } } });
    expect(seen.response.status).toBe(200);
    for (const name of ['unit', 'lint', 'api']) {
      await waitFor(`job ${name} to start`, () => existsSync(join(marks, `started-${name}-1`)));
    }
    const lonely = await startAgent({
      controller: first.grpcAddress,
      natsUrl: nats.url,
      queue: 'lonely',
      token: agentToken,
      workDir: join(dir, 'agent-lonely'),
      name: 'replica-agent-lonely',
    });
    extraAgents.push(lonely);
    await waitFor('every agent to hold its Connect stream on the first replica', () =>
      [...agents, lonely].every((agent) =>
        first.logs().includes(`"agentId":"${agent.agentId}","msg":"agent connected"`),
      ),
    );
    const listedBefore = await onSecond.GET('/api/agents');
    expect(listedBefore.data?.agents.find((agent) => agent.id === lonely.agentId)?.connected).toBe(true);

    await first.kill9();
    const connectedOn = (controller: ControllerProcess, agent: AgentProcess) =>
      controller.logs().includes(`"agentId":"${agent.agentId}","msg":"agent connected"`);
    await waitFor('both agents to reconnect to the second replica', () =>
      agents.every((agent) => connectedOn(second, agent)),
    );
    // An agent that knows only the dead replica is not listed connected for long: no replica vouches for it.
    await waitFor('the agent of the dead replica alone to be listed disconnected', async () => {
      const listed = await onSecond.GET('/api/agents');
      return listed.data?.agents.find((agent) => agent.id === lonely.agentId)?.connected === false;
    });
    // Outlive the lease TTL, so a lease the failover had not kept alive would have expired by now.
    await waitFor('one lease TTL of heartbeats through the second replica', async () => {
      const run = await onSecond.GET('/api/runs/{id}', { params: { path: { id: runId } } });
      const jobs = run.data?.stages[0]?.jobs ?? [];
      const oldest = Math.min(...jobs.map((job) => Date.parse(job.attempts[0]?.startedAt ?? '')));
      return Date.now() - oldest > Number(controllerEnv.GANTRY_LEASE_TTL_MS) * 1.5 ? true : undefined;
    });
    await writeFile(join(marks, 'go'), '');

    await onSecond.waitForRun(runId, (run) => run.status === 'awaiting_approval', { timeoutMs: 60_000 });
    const approver = await onSecond.POST('/api/tokens', { body: { name: 'replica-approver', roles: ['approve'] } });
    expect(approver.response.status).toBe(201);
    const approved = await api(second.httpUrl, approver.data!.token).POST('/api/runs/{id}/stages/{stage}/approve', {
      params: { path: { id: runId, stage: 'production' } },
      body: {},
    });
    expect(approved.response.status, JSON.stringify(approved.error)).toBe(200);

    const run = await onSecond.waitForRun(runId, terminal, { timeoutMs: 60_000 });
    expect(run.status, logsOfAll()).toBe('succeeded');
    const jobs = run.stages.flatMap((stage) => stage.jobs);
    expect(jobs.map((job) => [job.name, job.attempts.map((attempt) => attempt.status)])).toEqual([
      ['unit', ['succeeded']],
      ['lint', ['succeeded']],
      ['api', ['succeeded']],
      ['deploy', ['succeeded']],
    ]);
    for (const name of ['unit', 'lint', 'api']) expect(existsSync(join(marks, `started-${name}-2`))).toBe(false);
    const unit = jobs.find((job) => job.name === 'unit')!;
    expect(await onSecond.readLog(runId, unit.id)).toContain('unit done by attempt 1');
    expect(agents.some((agent) => agent.logs().includes('controller unreachable, moving to the next'))).toBe(true);
  });

  it('plans a run whose accepting replica died before planning it, within seconds, on the live replica', async () => {
    const repo = await createGitRepo({
      '.gantry.yml':
        'name: orphan\nstages:\n  - name: only\n    jobs:\n      - { name: job, steps: ["echo planned elsewhere"] }\n',
    });
    // What a replica killed between its 201 and planning leaves behind: an accepted, unplanned run.
    const runId = randomUUID();
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      await client.query(
        `insert into runs (id, repo, ref, sha, status, triggered_by) values ($1, $2, 'main', $3, 'queued', 'admin')`,
        [runId, repo.path, repo.sha],
      );
    } finally {
      await client.end();
    }
    const onSecond = api(second.httpUrl, adminToken);
    const run = await onSecond.waitForRun(runId, terminal, { timeoutMs: 30_000 });
    expect(run.status, second.logs()).toBe('succeeded');
    expect(second.logs()).toContain('planning runs another replica accepted');
  });
});
