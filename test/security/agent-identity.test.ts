/**
 * Attacks on the agent protocol against a real farm, each refused: a fake
 * agent id claiming a prod-queue job, a Connect stream and lease calls under
 * another agent's id, taking over a registered agent's name, a revoked agent
 * (refused, its attempt fenced), expired and used-up enrolment tokens. The
 * attacker speaks raw gRPC on the proto with whatever secret it holds. No
 * credential or enrolment token is stored in plain text, none reaches a job,
 * and the controller is healthy afterwards.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Farm, farmLogs, startFarm } from '../e2e/farm-fixture.js';
import { waitFor } from '../e2e/wait.js';
import { type AgentProcess, createGitRepo, type GitRepo, startAgent } from '../src/harness/index.js';
import { type AgentWire, agentWire, type Outcome, protocolVersion } from './agent-wire.js';

const gantryBin = fileURLToPath(new URL('../../bin/gantry.mjs', import.meta.url));
const execFileAsync = promisify(execFile);

describe('agent identity: attacks on the agent protocol', () => {
  let farm: Farm;
  let root: string;
  let repo: GitRepo;
  let wire: AgentWire;
  let database: pg.Client;
  const agents: AgentProcess[] = [];
  /** Every secret handed out in this file: none may be stored in plain text. */
  const secrets: string[] = [];
  let runId = '';
  let prodA: AgentProcess;
  let prodACredential = '';
  let mallory = { agentId: '', credential: '' };

  const gantry = async (args: string[]) =>
    execFileAsync(process.execPath, [gantryBin, ...args], {
      env: { ...process.env, GANTRY_URL: farm.controller.httpUrl, GANTRY_TOKEN: farm.adminToken },
      timeout: 30_000,
    });
  const enrolmentToken = async (...args: string[]) => {
    const token = (await gantry(['agent-token', 'create', ...args])).stdout.trim();
    secrets.push(token);
    return token;
  };
  const prodAgent = async (name: string, token: string) => {
    const workDir = join(root, name);
    const agent = await startAgent({
      controller: farm.controller.grpcAddress,
      natsUrl: farm.nats.url,
      queue: 'prod',
      token,
      workDir,
      name,
    });
    agents.push(agent);
    const file = join(workDir, 'credential');
    const { credential } = JSON.parse(await readFile(file, 'utf8')) as { credential: string };
    secrets.push(credential);
    return { agent, credential, mode: (await stat(file)).mode & 0o777 };
  };
  const shipJob = async () => {
    const { data } = await farm.client.GET('/api/runs/{id}', { params: { path: { id: runId } } });
    const job = data?.stages[0]?.jobs[0];
    if (!job) throw new Error('the run has no job');
    return job;
  };
  const refused = (outcome: Outcome<unknown>, code: string) =>
    expect(outcome, JSON.stringify(outcome)).toMatchObject({ ok: false, code });

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'gantry-identity-'));
    const release = join(root, 'release');
    repo = await createGitRepo({
      '.gantry.yml': `name: identity-attacks
stages:
  - name: production
    jobs:
      - name: ship
        queue: prod
        retry: { lost: 1 }
        env: { DEPLOY_KEY: deploy-key-for-prod }
        steps: ["env | sort", "while [ ! -f ${release} ]; do sleep 0.1; done; echo shipped"]
`,
    });
    farm = await startFarm({ agents: 1, slots: 1 });
    secrets.push(farm.agentToken);
    wire = agentWire(farm.controller.grpcAddress);
    database = new pg.Client({ connectionString: farm.databaseUrl });
    await database.connect();
  });
  afterAll(async () => {
    wire?.close();
    await database?.end();
    await Promise.all(agents.map((agent) => agent.stop()));
    await farm?.stop();
    await repo?.remove();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('refuses a fake agent id claiming a prod-queue job, and hands out nothing', async () => {
    const token = await enrolmentToken('--queue', 'default', '--expires-in', '1h');
    const enrolled = await wire.call<{ agentId: string; credential: string }>(
      'enrol',
      { protocolVersion, name: 'mallory', queues: ['default'], hostname: 'evil' },
      token,
    );
    if (!enrolled.ok) throw new Error(`mallory could not enrol: ${enrolled.details}`);
    mallory = enrolled.value;
    secrets.push(mallory.credential);

    const created = await farm.client.POST('/api/runs', { body: { repo: repo.path, ref: 'main' } });
    runId = created.data?.id ?? '';
    await farm.client.waitForRun(runId, (run) => run.stages[0]?.jobs[0]?.status === 'queued');
    const job = await shipJob();

    // Under its own id: not registered for prod. Under the default agent's id, or prod's: not its id.
    refused(
      await wire.call('claimJob', { agentId: mallory.agentId, jobId: job.id, attempt: 1 }, mallory.credential),
      'PERMISSION_DENIED',
    );
    const defaultAgent = farm.agents[0]?.agentId ?? '';
    refused(
      await wire.call('claimJob', { agentId: defaultAgent, jobId: job.id, attempt: 1 }, mallory.credential),
      'PERMISSION_DENIED',
    );
    // The standing agent token is no credential: it only enrols.
    refused(
      await wire.call('claimJob', { agentId: defaultAgent, jobId: job.id, attempt: 1 }, farm.agentToken),
      'UNAUTHENTICATED',
    );
    // Nor may it register itself for prod: its enrolment token allows only default.
    const registration = { protocolVersion, name: 'mallory', slots: 1, hostname: 'evil', agentVersion: 'x' };
    refused(
      await wire.call('register', { ...registration, queues: ['prod'] }, mallory.credential),
      'PERMISSION_DENIED',
    );

    expect(await shipJob()).toMatchObject({ status: 'queued', attempt: 1, agentId: null });
  });

  it('enrols a prod agent with a one-use token, which runs the job; the token is then used up', async () => {
    const token = await enrolmentToken('--queue', 'prod', '--expires-in', '1h', '--uses', '1');
    expect(token).toMatch(/^gantry_enrol_/);
    const enrolled = await prodAgent('prod-a', token);
    prodA = enrolled.agent;
    prodACredential = enrolled.credential;
    expect(enrolled.mode).toBe(0o600);
    await farm.client.waitForRun(runId, (run) => run.stages[0]?.jobs[0]?.agentId === prodA.agentId);

    const again = await wire.call('enrol', { protocolVersion, name: 'prod-z', queues: ['prod'], hostname: 'h' }, token);
    expect(again).toMatchObject({ ok: false, code: 'UNAUTHENTICATED', details: expect.stringContaining('used up') });
    const listed = JSON.parse((await gantry(['agent-token', 'list', '--json'])).stdout) as {
      tokens: Array<{ queues: string[]; usesLeft: number | null }>;
    };
    expect(listed.tokens).toContainEqual(expect.objectContaining({ queues: ['prod'], usesLeft: 0 }));
  });

  it('refuses a Connect stream and lease calls under another agent’s id; that agent’s job is not lost', async () => {
    refused(await wire.connect(prodA.agentId, mallory.credential), 'PERMISSION_DENIED');
    refused(await wire.connect(prodA.agentId, farm.agentToken), 'UNAUTHENTICATED');
    const job = await shipJob();
    const lease = { jobId: job.id, attempt: 1, leaseToken: 'guessed' };
    refused(
      await wire.call('finishJob', { lease, result: 'succeeded', exitCode: 0, message: 'forged' }, mallory.credential),
      'PERMISSION_DENIED',
    );
    refused(await wire.call('reportSteps', { lease, steps: [] }, mallory.credential), 'PERMISSION_DENIED');
    refused(await wire.call('getArtifactDownloads', { lease }, mallory.credential), 'PERMISSION_DENIED');
    const forgedLine = { lease, seq: 0, offset: 0, stepIndex: 0, data: Buffer.from('forged output\n') };
    refused(await wire.streamLogs([forgedLine], mallory.credential), 'PERMISSION_DENIED');
    refused(await wire.streamLogs([], farm.agentToken), 'UNAUTHENTICATED');

    const { data } = await farm.client.GET('/api/agents');
    expect(data?.agents.find((agent) => agent.id === prodA.agentId)).toMatchObject({
      connected: true,
      jobs: [expect.objectContaining({ jobId: job.id, attempt: 1 })],
    });
    expect(await shipJob()).toMatchObject({ status: 'running', attempt: 1, agentId: prodA.agentId });
  });

  it('refuses taking over a registered agent’s name', async () => {
    const takeover = { protocolVersion, name: 'prod-a', queues: ['prod'], hostname: 'evil' };
    refused(await wire.call('enrol', takeover, farm.agentToken), 'PERMISSION_DENIED');
    const registration = { ...takeover, slots: 8, agentVersion: 'evil' };
    refused(await wire.call('register', registration, mallory.credential), 'PERMISSION_DENIED');
    const { data } = await farm.client.GET('/api/agents');
    expect(data?.agents.find((agent) => agent.name === 'prod-a')).toMatchObject({
      id: prodA.agentId,
      slots: 1,
      connected: true,
    });
  });

  it('refuses a revoked agent from its next call and fences its attempt, which runs again elsewhere', async () => {
    const prodB = await prodAgent(
      'prod-b',
      await enrolmentToken('--queue', 'prod', '--expires-in', '1h', '--uses', '1'),
    );
    const revoked = await gantry(['agent', 'revoke', 'prod-a']);
    expect(revoked.stdout).toBe(`revoked agent prod-a (${prodA.agentId}); fenced 1 running attempt\n`);

    const job = await shipJob();
    const lease = { jobId: job.id, attempt: 1, leaseToken: 'any' };
    const heartbeat = await wire.call('heartbeat', { lease }, prodACredential);
    expect(heartbeat).toMatchObject({ ok: false, code: 'PERMISSION_DENIED', details: 'agent "prod-a" was revoked' });
    const registration = {
      protocolVersion,
      name: 'prod-a',
      queues: ['prod'],
      slots: 1,
      hostname: 'h',
      agentVersion: 'x',
    };
    refused(await wire.call('register', registration, prodACredential), 'PERMISSION_DENIED');

    await farm.client.waitForRun(runId, (run) => run.stages[0]?.jobs[0]?.agentId === prodB.agent.agentId);
    await writeFile(join(root, 'release'), '');
    const finished = await farm.client.waitForRun(
      runId,
      (run) => run.status === 'succeeded' || run.status === 'failed',
    );
    expect(finished.status, farmLogs(farm)).toBe('succeeded');
    const shipped = finished.stages[0]?.jobs[0];
    expect(shipped?.attempts.map((attempt) => [attempt.attempt, attempt.status, attempt.agentId])).toEqual([
      [1, 'lost', prodA.agentId],
      [2, 'succeeded', prodB.agent.agentId],
    ]);
    const audit = await farm.client.GET('/api/audit', { params: { query: { action: 'agent.revoke' } } });
    expect(audit.data?.events).toEqual([
      expect.objectContaining({ actor: 'admin', details: { agentId: prodA.agentId, name: 'prod-a' } }),
    ]);

    // The job saw its deploy key, never an agent's credential nor the agent token.
    const log = await farm.client.readLog(runId, shipped?.id ?? '', 2);
    expect(log).toContain('DEPLOY_KEY=deploy-key-for-prod');
    for (const secret of secrets) expect(log).not.toContain(secret);
  });

  it('refuses an expired enrolment token', async () => {
    const created = JSON.parse((await gantry(['agent-token', 'create', '--expires-in', '1s', '--json'])).stdout) as {
      token: string;
      expiresAt: string;
    };
    secrets.push(created.token);
    // The controller and this test share the host's clock; the token is judged by the database's.
    await waitFor('the enrolment token to expire', () => Date.now() > Date.parse(created.expiresAt) + 100);
    const late = await wire.call(
      'enrol',
      { protocolVersion, name: 'late', queues: ['default'], hostname: 'h' },
      created.token,
    );
    expect(late).toMatchObject({ ok: false, code: 'UNAUTHENTICATED', details: expect.stringContaining('expired') });
  });

  it('stores no credential and no enrolment token in plain text', async () => {
    let dumped = '';
    const columns = await database.query<{ schema: string; table: string; column: string }>(
      `select table_schema as schema, table_name as table, column_name as column from information_schema.columns
       where table_schema not in ('pg_catalog', 'information_schema') and data_type in ('text', 'character varying', 'jsonb', 'json')`,
    );
    for (const { schema, table, column } of columns.rows) {
      const rows = await database.query<{ value: string | null }>(
        `select ${pg.escapeIdentifier(column)}::text as value from ${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(table)}`,
      );
      dumped += rows.rows.map((row) => row.value ?? '').join('\n');
    }
    expect(dumped).toContain('prod-a');
    expect(secrets.length).toBeGreaterThanOrEqual(8);
    for (const secret of secrets) expect(dumped).not.toContain(secret);
  });

  it('is healthy afterwards: the default agent still runs jobs', async () => {
    expect((await fetch(`${farm.controller.httpUrl}/healthz`)).status).toBe(200);
    const hello = await createGitRepo({
      '.gantry.yml': 'name: hello\nstages:\n  - name: build\n    jobs: [{ name: hello, steps: ["echo hello"] }]\n',
    });
    try {
      const created = await farm.client.POST('/api/runs', { body: { repo: hello.path, ref: 'main' } });
      const run = await farm.client.waitForRun(
        created.data?.id ?? '',
        (r) => r.status === 'succeeded' || r.status === 'failed',
      );
      expect(run.status, farmLogs(farm)).toBe('succeeded');
    } finally {
      await hello.remove();
    }
  });
});
