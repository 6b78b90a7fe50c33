/**
 * The fenced artifact calls as agents make them, through the gRPC handlers
 * over a real database and the disk store: a winning attempt's files become
 * visible only when committed, a stale attempt's commit is refused, and the
 * next stage's job is handed exactly the winner's files.
 */
import { createHash } from 'node:crypto';
import { Metadata, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { takeUnpublished } from '../store/outbox-repository.js';
import { testAgentService } from '../testing/agent-service.js';
import { openTestApp, type TestApp } from '../testing/api-test-app.js';
import { enrolTestAgent } from '../testing/enrolled-agent.js';

const pipeline = `name: artifacts
stages:
  - name: build
    jobs: [{ name: compile, steps: [make], artifacts: [dist/**] }]
  - name: staging
    jobs: [{ name: deploy, steps: [ship], needs_artifacts: [compile] }]
`;
type Lease = { jobId: string; attempt: number; leaseToken: string };
type Answer = { error: { code?: number; details?: string } | null; response: Record<string, unknown> };

/** Calls the agent service's handlers as the enrolled agent would, with its credential. */
function agentCalls(testApp: TestApp, metadata: Metadata): (method: string, request: unknown) => Promise<Answer> {
  const service = testAgentService(testApp);
  return (method, request) =>
    new Promise((resolve) => {
      const unary = { metadata, request } as unknown as ServerUnaryCall<never, never>;
      const callback: sendUnaryData<never> = (error, response) =>
        resolve({ error: error as Answer['error'], response: (response ?? {}) as Record<string, unknown> });
      (service[method as keyof typeof service] as (c: unknown, cb: unknown) => void)(unary, callback);
    });
}

/** A test app for `pipeline` with one enrolled agent, and its calls as that agent makes them. */
async function openAppWithAgent(pipeline: string) {
  const testApp = await openTestApp({ pipeline });
  const agent = await enrolTestAgent(testApp.database.db, { name: 'agent-1' });
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${agent.credential}`);
  return { testApp, agentId: agent.agentId, call: agentCalls(testApp, metadata) };
}

const adminHeaders = { authorization: 'Bearer admin-token-for-handler-tests', 'content-type': 'application/json' };

async function claimNext(testApp: TestApp, agentId: string): Promise<Lease> {
  await testApp.scheduler.settle();
  const offers = await testApp.database.db.transaction((tx) => takeUnpublished(tx, 10));
  const offer = offers.at(-1)?.payload as { jobId: string; attempt: number };
  const claim = await testApp.lifecycle.claim(agentId, offer.jobId, offer.attempt);
  if (!claim.granted) throw new Error(`claim refused: ${claim.reason}`);
  return { jobId: offer.jobId, attempt: offer.attempt, leaseToken: claim.leaseToken };
}

describe('artifact calls', () => {
  let testApp: TestApp;
  let call: (method: string, request: unknown) => Promise<Answer>;
  let agentId = '';

  beforeAll(async () => {
    ({ testApp, agentId, call } = await openAppWithAgent(pipeline));
  }, 60_000);
  afterAll(async () => {
    await testApp?.close();
  });

  async function upload(lease: Lease, path: string, bytes: Buffer): Promise<void> {
    const answer = await call('CreateArtifactUploads', { lease, paths: [path] });
    expect(answer.error).toBeNull();
    const [target] = answer.response.uploads as { path: string; url: string }[];
    expect(target?.url).toContain(`/attempts/${lease.attempt}/${path}`);
    const put = await testApp.app.request(target!.url.replace('http://gantry.test', ''), {
      method: 'PUT',
      body: bytes,
    });
    expect(put.status).toBe(200);
  }

  const digest = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

  it('commits only the winning attempt, refusing the stale one, and hands the winner to the next stage', async () => {
    const trigger = await testApp.app.request('/api/runs', {
      method: 'POST',
      headers: adminHeaders,
      body: JSON.stringify({ repo: testApp.repo, ref: 'main' }),
    });
    expect(trigger.status).toBe(201);
    const first = await claimNext(testApp, agentId);
    const stale = Buffer.from('built by the first attempt');
    await upload(first, 'dist/app.bin', stale);

    // The first agent vanishes: its attempt ends lost and the job runs again.
    const runId = ((await trigger.json()) as { id: string }).id;
    expect(await testApp.lifecycle.endLostAttempt({ ...first, runId, agentId: 'agent-1' }, 'agent lost')).toBe(true);
    const second = await claimNext(testApp, agentId);
    expect(second.attempt).toBe(2);
    const winner = Buffer.from('built by the second attempt');
    await upload(second, 'dist/app.bin', winner);

    const refused = await call('CommitArtifacts', {
      lease: first,
      files: [{ path: 'dist/app.bin', size: stale.length, sha256: digest(stale) }],
    });
    expect(refused.error?.code, refused.error?.details).toBe(9); // FAILED_PRECONDITION
    const refusedUploads = await call('CreateArtifactUploads', { lease: first, paths: ['dist/other'] });
    expect(refusedUploads.error?.code).toBe(9);

    const files = [{ path: 'dist/app.bin', size: winner.length, sha256: digest(winner) }];
    expect((await call('CommitArtifacts', { lease: second, files })).response).toEqual({
      committed: 1,
      reportNotes: [],
    });
    // A retried commit changes nothing.
    expect((await call('CommitArtifacts', { lease: second, files })).response).toEqual({
      committed: 1,
      reportNotes: [],
    });
    await testApp.lifecycle.finish(second, { status: 'succeeded', exitCode: 0, message: null });

    const deploy = await claimNext(testApp, agentId);
    const answer = await call('GetArtifactDownloads', { lease: deploy });
    const downloads = answer.response.downloads as { jobName: string; path: string; sha256: string; url: string }[];
    expect(downloads).toMatchObject([{ jobName: 'compile', path: 'dist/app.bin', sha256: digest(winner) }]);
    const fetched = await testApp.app.request(downloads[0]!.url.replace('http://gantry.test', ''));
    expect(Buffer.from(await fetched.arrayBuffer())).toEqual(winner);
  });

  it.each([
    ['absolute', '/etc/passwd', 'is absolute'],
    ['parent', 'dist/../../x', 'leaves the workspace'],
    ['not normalised', 'dist//x', 'not normalised'],
  ])('refuses a %s path with INVALID_ARGUMENT', async (_name, path, message) => {
    const answer = await call('CreateArtifactUploads', {
      lease: { jobId: 'j', attempt: 1, leaseToken: 't' },
      paths: [path],
    });
    expect(answer.error?.code).toBe(3);
    expect(answer.error?.details).toContain(message);
  });
});

describe('a gated deploy', () => {
  const gated = `name: gated
stages:
  - name: build
    jobs: [{ name: compile, steps: [make], artifacts: [dist/**] }]
  - name: production
    approval: { allow_self_approval: true }
    jobs: [{ name: deploy, steps: [ship], needs_artifacts: [compile] }]
`;
  let testApp: TestApp;
  let call: (method: string, request: unknown) => Promise<Answer>;
  let agentId = '';
  beforeAll(async () => {
    ({ testApp, agentId, call } = await openAppWithAgent(gated));
  }, 60_000);
  afterAll(async () => {
    await testApp?.close();
  });

  it('receives exactly the artifacts that were approved, and is refused anything else', async () => {
    const trigger = await testApp.app.request('/api/runs', {
      method: 'POST',
      headers: adminHeaders,
      body: JSON.stringify({ repo: testApp.repo, ref: 'main' }),
    });
    const runId = ((await trigger.json()) as { id: string }).id;
    const build = await claimNext(testApp, agentId);
    const bytes = Buffer.from('the release');
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const [upload] = (await call('CreateArtifactUploads', { lease: build, paths: ['dist/app.bin'] })).response
      .uploads as { url: string }[];
    await testApp.app.request(upload!.url.replace('http://gantry.test', ''), { method: 'PUT', body: bytes });
    await call('CommitArtifacts', { lease: build, files: [{ path: 'dist/app.bin', size: bytes.length, sha256 }] });
    await testApp.lifecycle.finish(build, { status: 'succeeded', exitCode: 0, message: null });
    await testApp.scheduler.settle();

    const approved = await testApp.app.request(`/api/runs/${runId}/stages/production/approve`, {
      method: 'POST',
      headers: adminHeaders,
      body: JSON.stringify({ comment: 'ship it' }),
    });
    expect(approved.status).toBe(200);
    const audit = await testApp.app.request(`/api/audit?runId=${runId}`, { headers: adminHeaders });
    const events = ((await audit.json()) as { events: { action: string; details: Record<string, unknown> }[] }).events;
    expect(events.find((event) => event.action === 'approve')?.details.artifacts).toEqual([
      { job: 'compile', path: 'dist/app.bin', sha256 },
    ]);

    const deploy = await claimNext(testApp, agentId);
    const granted = await call('GetArtifactDownloads', { lease: deploy });
    expect(granted.error).toBeNull();
    expect(granted.response.downloads).toMatchObject([{ path: 'dist/app.bin', sha256 }]);

    // The record of what the build produced changes after the approval (a tampered row, a re-run build):
    const other = 'f'.repeat(64);
    await testApp.database.db.execute(sql`update artifacts set sha256 = ${other} where path = 'dist/app.bin'`);
    const refused = await call('GetArtifactDownloads', { lease: deploy });
    expect(refused.error?.code).toBe(7); // PERMISSION_DENIED: the agent fails the job with this message
    expect(refused.error?.details).toBe(
      `artifact dist/app.bin of job "compile" is not what admin approved: approved sha256 ${sha256}, about to deploy sha256 ${other}; nothing was deployed`,
    );
  });
});

describe('a gated stage whose jobs deploy different builds', () => {
  const twoBuilds = `name: two-builds
stages:
  - name: build
    jobs:
      - { name: compile-web, steps: [make web], artifacts: [web/**] }
      - { name: compile-api, steps: [make api], artifacts: [api/**] }
  - name: production
    approval: { allow_self_approval: true }
    jobs:
      - { name: deploy-web, steps: [ship web], needs_artifacts: [compile-web] }
      - { name: deploy-api, steps: [ship api], needs_artifacts: [compile-api] }
`;
  let testApp: TestApp;
  let call: (method: string, request: unknown) => Promise<Answer>;
  let agentId = '';
  beforeAll(async () => {
    ({ testApp, agentId, call } = await openAppWithAgent(twoBuilds));
  }, 60_000);
  afterAll(async () => {
    await testApp?.close();
  });

  /** Claims the run's queued job named `name`. */
  async function claimJob(runId: string, name: string): Promise<Lease> {
    await testApp.scheduler.settle();
    const detail = await testApp.app.request(`/api/runs/${runId}`, { headers: adminHeaders });
    const run = (await detail.json()) as { stages: { jobs: { id: string; name: string; attempt: number }[] }[] };
    const job = run.stages.flatMap((stage) => stage.jobs).find((candidate) => candidate.name === name);
    if (!job) throw new Error(`no job ${name}`);
    const claim = await testApp.lifecycle.claim(agentId, job.id, job.attempt);
    if (!claim.granted) throw new Error(`claim refused: ${claim.reason}`);
    return { jobId: job.id, attempt: job.attempt, leaseToken: claim.leaseToken };
  }

  it('hands each job the approved artifacts it needs, not those of its sibling', async () => {
    const trigger = await testApp.app.request('/api/runs', {
      method: 'POST',
      headers: adminHeaders,
      body: JSON.stringify({ repo: testApp.repo, ref: 'main' }),
    });
    const runId = ((await trigger.json()) as { id: string }).id;
    const digests: Record<string, string> = {};
    for (const part of ['web', 'api']) {
      const build = await claimJob(runId, `compile-${part}`);
      const bytes = Buffer.from(`the ${part} release`);
      const path = `${part}/app.bin`;
      digests[part] = createHash('sha256').update(bytes).digest('hex');
      const [upload] = (await call('CreateArtifactUploads', { lease: build, paths: [path] })).response.uploads as {
        url: string;
      }[];
      await testApp.app.request(upload!.url.replace('http://gantry.test', ''), { method: 'PUT', body: bytes });
      await call('CommitArtifacts', {
        lease: build,
        files: [{ path, size: bytes.length, sha256: digests[part] }],
      });
      await testApp.lifecycle.finish(build, { status: 'succeeded', exitCode: 0, message: null });
    }
    await testApp.scheduler.settle();
    const approved = await testApp.app.request(`/api/runs/${runId}/stages/production/approve`, {
      method: 'POST',
      headers: adminHeaders,
      body: JSON.stringify({}),
    });
    expect(approved.status).toBe(200);

    for (const part of ['web', 'api']) {
      const deploy = await claimJob(runId, `deploy-${part}`);
      const answer = await call('GetArtifactDownloads', { lease: deploy });
      expect(answer.error?.details ?? null).toBeNull();
      expect(answer.response.downloads).toMatchObject([{ path: `${part}/app.bin`, sha256: digests[part] }]);
    }
  });
});
