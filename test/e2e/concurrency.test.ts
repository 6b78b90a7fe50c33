/**
 * One deploy at a time, on real agents and two controller replicas sharing
 * PostgreSQL and NATS (each with its own agent): three runs (two pipelines),
 * triggered through both replicas, reach a `concurrency: production` stage
 * while the farm has slots for all of them.
 * The first deploy holds the group until the test releases it (its job waits
 * for a file the test writes), the others wait for the group naming the run
 * that holds it, and the deploys' job intervals never overlap, oldest first.
 * Two runs planned at once on the two replicas reach a `supersede: true` gate
 * together: one of them, the older, ends superseded.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AgentProcess,
  type ApiClient,
  api,
  type ControllerProcess,
  createGitRepo,
  type GitRepo,
  type RunView,
  startAgent,
  startController,
} from '../src/harness/index.js';
import { type Farm, farmLogs, startFarm } from './farm-fixture.js';
import { waitFor } from './wait.js';

/** The deploy job says it started, then waits until the test writes its release file (id.txt names the deploy). */
const pipeline = (name: string, signals: string) => `name: ${name}
stages:
  - name: deploy
    concurrency: production
    jobs:
      - name: ship
        steps:
          - touch "${signals}/started-$(cat id.txt)"
          - while [ ! -e "${signals}/release-$(cat id.txt)" ]; do sleep 0.05; done
`;

/** A gate that supersedes, first: a run reaches it while it is planned. */
const gatedPipeline = `name: gated
stages:
  - name: release
    approval: { allow_self_approval: true }
    supersede: true
    jobs:
      - { name: ship, steps: [make] }
`;

const deployJob = (run: RunView) => {
  const job = run.stages.find((stage) => stage.name === 'deploy')?.jobs[0];
  if (!job?.startedAt || !job.finishedAt) throw new Error(`run ${run.id}: the deploy job has no interval`);
  return { start: Date.parse(job.startedAt), end: Date.parse(job.finishedAt) };
};

describe('concurrency: production on real agents', () => {
  let farm: Farm;
  let signals: string;
  let replica: ControllerProcess;
  let replicaAgent: AgentProcess;
  let replicaClient: ApiClient;
  const repos: GitRepo[] = [];
  beforeAll(async () => {
    farm = await startFarm({ agents: 1, slots: 2 });
    signals = await mkdtemp(join(tmpdir(), 'gantry-deploy-signals-'));
    replica = await startController({
      databaseUrl: farm.databaseUrl,
      natsUrl: farm.nats.url,
      dataDir: join(signals, 'replica'),
      adminToken: farm.adminToken,
      agentToken: farm.agentToken,
    });
    replicaAgent = await startAgent({
      controller: replica.grpcAddress,
      natsUrl: farm.nats.url,
      slots: 2,
      token: farm.agentToken,
      workDir: join(signals, 'replica-agent'),
      name: 'e2e-replica-agent',
    });
    replicaClient = api(replica.httpUrl, farm.adminToken);
  });
  afterAll(async () => {
    await replicaAgent?.stop();
    await replica?.stop();
    await farm?.stop();
    await Promise.all(repos.map((repo) => repo.remove()));
    if (signals) await rm(signals, { recursive: true, force: true });
  });

  const trigger = async (repo: GitRepo, client: ApiClient) => {
    const created = await client.POST('/api/runs', { body: { repo: repo.path, ref: 'main', sha: repo.sha } });
    expect(created.response.status, JSON.stringify(created.error)).toBe(201);
    return created.data?.id ?? '';
  };
  const waitsFor = (runId: string, holder: string) =>
    farm.client.waitForRun(runId, (run) => {
      const deploy = run.stages[0];
      return deploy?.status === 'waiting_for_concurrency' && deploy.concurrency?.waitingFor?.runId === holder;
    });

  it('deploys one run at a time across pipelines and controllers, in trigger order', async () => {
    const webapp = await createGitRepo({ '.gantry.yml': pipeline('webapp', signals), 'id.txt': '1' });
    const service = await createGitRepo({ '.gantry.yml': pipeline('service', signals), 'id.txt': '3' });
    repos.push(webapp, service);

    const first = await trigger(webapp, farm.client);
    await waitFor('the first deploy to start', () => existsSync(join(signals, 'started-1')));
    await webapp.commit({ 'id.txt': '2' }, 'second deploy');
    const second = await trigger(webapp, replicaClient);
    const secondWaiting = await waitsFor(second, first);
    expect(secondWaiting.status).toBe('waiting_for_concurrency');
    expect(secondWaiting.stages[0]?.concurrency).toEqual({
      group: 'production',
      waitingFor: { runId: first, stage: 'deploy' },
    });
    const third = await trigger(service, farm.client);
    await waitsFor(third, first);
    // Both waiting deploys had free slots on the agents: only the group held them back.
    expect(existsSync(join(signals, 'started-2'))).toBe(false);
    expect(existsSync(join(signals, 'started-3'))).toBe(false);

    for (const id of ['3', '2', '1']) await writeFile(join(signals, `release-${id}`), '');
    const intervals: { start: number; end: number }[] = [];
    for (const runId of [first, second, third]) {
      const run = await farm.client.waitForRun(runId, (candidate) =>
        ['succeeded', 'failed', 'canceled'].includes(candidate.status),
      );
      expect(run.status, `${farmLogs(farm)}\n--- replica ---\n${replica.logs()}`).toBe('succeeded');
      intervals.push(deployJob(run));
    }
    // In trigger order, each deploy started only after the one before it finished.
    for (const [index, interval] of intervals.entries()) {
      const before = intervals[index - 1];
      if (before) expect(before.end).toBeLessThanOrEqual(interval.start);
    }
  });

  it('supersedes the older of two runs that reach a supersede gate at once on two replicas', async () => {
    const repo = await createGitRepo({ '.gantry.yml': gatedPipeline });
    repos.push(repo);
    // The test holds the gate's lock (the controller's lockGate: namespace "gate", then repository and stage),
    // so both runs' planning transactions are at the gate together before either goes on.
    const observer = new pg.Client({ connectionString: farm.databaseUrl });
    await observer.connect();
    const gateKey = [0x67617465, `${repo.path}/release`];
    try {
      await observer.query('select pg_advisory_lock($1, hashtext($2))', gateKey);
      const older = await trigger(repo, farm.client);
      const newer = await trigger(repo, replicaClient);
      await waitFor('both planning transactions to wait for the gate', async () => {
        const waiting = await observer.query<{ count: string }>(
          `select count(*) from pg_locks where locktype = 'advisory' and not granted
             and classid = $1 and objid = hashtext($2)::oid`,
          gateKey,
        );
        return Number(waiting.rows[0]?.count) === 2;
      });
      await observer.query('select pg_advisory_unlock($1, hashtext($2))', gateKey);
      const superseded = await farm.client.waitForRun(older, (run) => run.status === 'superseded');
      expect(superseded.error).toBe(`superseded by run ${newer}`);
      const waiting = await farm.client.waitForRun(newer, (run) => run.status === 'awaiting_approval');
      expect(waiting.stages[0]?.status).toBe('awaiting_approval');
    } finally {
      await observer.end();
    }
  });
});
