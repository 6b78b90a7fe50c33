/**
 * Every agent call is checked against the caller's own credential, through
 * the gRPC handlers over a real database: enrolment tokens (expiry, uses,
 * queues), Register under another name, claims for another agent or another
 * queue, and leases of another agent's attempt are all refused.
 */
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { WorkReply } from '@gantry/proto';
import { Metadata, type ServerUnaryCall, type sendUnaryData, status } from '@grpc/grpc-js';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeAgent } from '../store/agent-credentials-repository.js';
import { takeUnpublished } from '../store/outbox-repository.js';
import { jobs, logChunks, stepReports } from '../store/schema.js';
import { testAgentService } from '../testing/agent-service.js';
import { openTestApp, type TestApp, testAdminToken } from '../testing/api-test-app.js';
import { type EnrolledAgent, enrolTestAgent } from '../testing/enrolled-agent.js';
import type { createAgentService } from './agent-service.js';

const standingToken = 'standing-agent-token-for-identity-tests';
const pipeline =
  'name: identity\nstages:\n  - name: ship\n    jobs: [{ name: deploy, queue: prod, steps: [./deploy.sh] }]\n';
type Answer = { error: { code?: number; details?: string } | null; response: Record<string, unknown> };

describe('agent identity on every call', () => {
  let testApp: TestApp;
  let service: ReturnType<typeof createAgentService>;
  let prod: EnrolledAgent;
  let other: EnrolledAgent;

  const bearer = (secret: string) => {
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${secret}`);
    return metadata;
  };
  /** Sends one request on a Work call (a duplex call the test plays) and resolves with its reply. */
  const overWork = (metadata: Metadata, request: Record<string, unknown>) =>
    new Promise<WorkReply>((resolve) => {
      const work = Object.assign(new EventEmitter(), {
        metadata,
        cancelled: false,
        write: (reply: WorkReply) => resolve(reply),
        end: () => {},
      });
      service.Work(work as never);
      work.emit('data', request);
    });
  const call = (method: string, metadata: Metadata, request: unknown) =>
    new Promise<Answer>((resolve) => {
      const unary = { metadata, request } as unknown as ServerUnaryCall<never, never>;
      const callback: sendUnaryData<never> = (error, response) =>
        resolve({ error: error as Answer['error'], response: (response ?? {}) as Record<string, unknown> });
      (service[method as keyof typeof service] as (c: unknown, cb: unknown) => void)(unary, callback);
    });
  const admin = (path: string, body?: unknown) =>
    testApp.app.request(path, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${testAdminToken}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const enrolRequest = (name: string, queues: string[]) => ({ protocolVersion: 4, name, queues, hostname: 'h' });

  beforeAll(async () => {
    testApp = await openTestApp({ pipeline });
    service = testAgentService(testApp, { agentToken: standingToken });
    prod = await enrolTestAgent(testApp.database.db, { name: 'prod-agent', queues: ['prod'] });
    other = await enrolTestAgent(testApp.database.db, { name: 'default-agent', queues: ['default'] });
  }, 60_000);
  afterAll(async () => {
    await testApp?.close();
  });

  async function queuedProdJob(): Promise<{ jobId: string; attempt: number }> {
    const trigger = await admin('/api/runs', { repo: testApp.repo, ref: 'main' });
    expect(trigger.status).toBe(201);
    await testApp.scheduler.settle();
    const offers = await testApp.database.db.transaction((tx) => takeUnpublished(tx, 10));
    return offers.at(-1)?.payload as { jobId: string; attempt: number };
  }

  it('enrols with the standing token and with a created one, spending its uses', async () => {
    const standing = await call('Enrol', bearer(standingToken), enrolRequest('standing-1', ['default']));
    expect(standing.error).toBeNull();
    expect(standing.response.credential).toMatch(/^gantry_agent_/);

    const created = await admin('/api/agent-tokens', { queues: ['linux'], expiresIn: '1h', uses: 1 });
    expect(created.status).toBe(201);
    const { token } = (await created.json()) as { token: string };
    const wrongQueue = await call('Enrol', bearer(token), enrolRequest('linux-1', ['prod']));
    expect(wrongQueue.error).toMatchObject({ code: status.PERMISSION_DENIED });
    // A refused enrolment spends nothing: the one use is still there.
    expect((await call('Enrol', bearer(token), enrolRequest('linux-1', ['linux']))).error).toBeNull();
    const usedUp = await call('Enrol', bearer(token), enrolRequest('linux-2', ['linux']));
    expect(usedUp.error).toMatchObject({ code: status.UNAUTHENTICATED, details: expect.stringContaining('used up') });
  });

  it('refuses an unknown token, and an enrolment under a name already enrolled', async () => {
    expect((await call('Enrol', bearer('gantry_enrol_nope'), enrolRequest('x', ['default']))).error).toMatchObject({
      code: status.UNAUTHENTICATED,
    });
    const takeover = await call('Enrol', bearer(standingToken), enrolRequest('prod-agent', ['prod']));
    expect(takeover.error).toMatchObject({ code: status.PERMISSION_DENIED });
  });

  it('refuses Register under another agent’s name and with queues its token does not allow', async () => {
    const asOther = await call('Register', bearer(other.credential), {
      protocolVersion: 4,
      name: 'prod-agent',
      queues: ['prod'],
      slots: 1,
      hostname: 'h',
      agentVersion: 't',
    });
    expect(asOther.error).toMatchObject({ code: status.PERMISSION_DENIED });
    const unknown = await call('Register', bearer(standingToken), {
      protocolVersion: 4,
      name: 'prod-agent',
      queues: ['prod'],
      slots: 1,
      hostname: 'h',
      agentVersion: 't',
    });
    expect(unknown.error).toMatchObject({ code: status.UNAUTHENTICATED });
  });

  it('refuses a claim for another agent’s id and from a queue the caller does not serve', async () => {
    const { jobId, attempt } = await queuedProdJob();
    const forged = await call('ClaimJob', bearer(other.credential), { agentId: prod.agentId, jobId, attempt });
    expect(forged.error).toMatchObject({ code: status.PERMISSION_DENIED });
    const crossQueue = await call('ClaimJob', bearer(other.credential), { agentId: other.agentId, jobId, attempt });
    expect(crossQueue.error).toMatchObject({
      code: status.PERMISSION_DENIED,
      details: expect.stringContaining('prod'),
    });
    // A bad claim id is named, after the caller: the forger hears only that it may not.
    const badId = { jobId, attempt, claimId: 'not-a-uuid' };
    const forgedBadId = await call('ClaimJob', bearer(other.credential), { agentId: prod.agentId, ...badId });
    expect(forgedBadId.error).toMatchObject({ code: status.PERMISSION_DENIED });
    const badClaimId = await call('ClaimJob', bearer(prod.credential), { agentId: prod.agentId, ...badId });
    expect(badClaimId.error).toMatchObject({ code: status.INVALID_ARGUMENT, details: expect.stringContaining('UUID') });
    // Nothing changed: the job is still there for its own queue's agent, whose claim id becomes the lease token.
    const claimId = randomUUID();
    const granted = await call('ClaimJob', bearer(prod.credential), { agentId: prod.agentId, jobId, attempt, claimId });
    expect(granted.response).toMatchObject({ granted: true, leaseToken: claimId });

    const lease = { jobId, attempt, leaseToken: granted.response.leaseToken as string };
    for (const [method, request] of [
      ['Heartbeat', { lease }],
      ['ReportSteps', { lease, steps: [] }],
      ['FinishJob', { lease, result: 'succeeded', exitCode: 0, message: '', steps: [], logChunks: [] }],
      ['GetArtifactDownloads', { lease }],
    ] as const) {
      expect((await call(method, bearer(other.credential), request)).error, method).toMatchObject({
        code: status.PERMISSION_DENIED,
      });
    }
    // The same calls as requests on a Work call are checked the same way.
    for (const request of [
      { reportSteps: { lease, steps: [] } },
      { finishJob: { lease, result: 'succeeded', exitCode: 0, message: '', steps: [], logChunks: [] } },
    ]) {
      const [kind] = Object.keys(request);
      const reply = await overWork(bearer(other.credential), { id: 1, call: kind, ...request });
      expect(reply.error, kind).toMatchObject({ code: status.PERMISSION_DENIED });
    }
    expect(
      await overWork(bearer(prod.credential), { id: 2, call: 'reportSteps', reportSteps: { lease, steps: [] } }),
    ).toEqual({ id: 2, reportSteps: {} });
    expect((await call('Heartbeat', bearer(prod.credential), { lease })).error).toBeNull();
  });

  it('refuses the claim and the finish of an agent revoked meanwhile, writing nothing either carried', async () => {
    const db = testApp.database.db;
    const late = await enrolTestAgent(db, { name: 'revoked-prod-agent', queues: ['prod'] });
    const first = await queuedProdJob();
    const claim = { agentId: late.agentId, ...first };
    const granted = await call('ClaimJob', bearer(late.credential), claim);
    expect(granted.response).toMatchObject({ granted: true });
    const lease = { ...first, leaseToken: granted.response.leaseToken as string };
    const second = await queuedProdJob();

    // Revoked in the database only: its running attempt is not fenced, so only the caller check refuses.
    await db.transaction((tx) => revokeAgent(tx, 'revoked-prod-agent'));
    const step = { stepIndex: 0, state: 'succeeded', exitCode: 0, startedAtMs: 1, finishedAtMs: 2 };
    const chunk = { lease, seq: 0, offset: 0, stepIndex: 0, data: Buffer.from('done\n'), plainBytes: 0 };
    const finish = { lease, result: 'succeeded', exitCode: 0, message: '', steps: [step], logChunks: [chunk] };
    const refusedFinish = await call('FinishJob', bearer(late.credential), finish);
    expect(refusedFinish.error).toMatchObject({
      code: status.PERMISSION_DENIED,
      details: expect.stringContaining('revoked'),
    });
    const refusedClaim = await call('ClaimJob', bearer(late.credential), { agentId: late.agentId, ...second });
    expect(refusedClaim.error).toMatchObject({ code: status.PERMISSION_DENIED });

    const jobStatus = async (jobId: string) =>
      (await db.select({ status: jobs.status }).from(jobs).where(eq(jobs.id, jobId)))[0]?.status;
    expect([await jobStatus(first.jobId), await jobStatus(second.jobId)]).toEqual(['running', 'queued']);
    expect(await db.select().from(stepReports).where(eq(stepReports.jobId, first.jobId))).toEqual([]);
    expect(await db.select().from(logChunks).where(eq(logChunks.jobId, first.jobId))).toEqual([]);
    // Its own agent claims the second job as usual.
    const own = await call('ClaimJob', bearer(prod.credential), { agentId: prod.agentId, ...second });
    expect(own.response).toMatchObject({ granted: true });
  });
});
