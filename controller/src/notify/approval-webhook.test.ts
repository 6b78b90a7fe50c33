/**
 * The approval webhook against a real HTTP server on loopback, driven through
 * the API: a run reaching its gate is announced (signed), a hook answering
 * 500 is retried, and a hook nobody listens at leaves the run waiting as usual.
 */
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApp, type TestApp, testAdminToken } from '../testing/api-test-app.js';

const pipeline = `name: gated
stages:
  - name: build
    jobs:
      - { name: compile, steps: [make] }
  - name: production
    environment: production
    approval: { approvers: [paul, "role:release"], required: 2 }
    jobs:
      - { name: ship, steps: [make] }
`;
const secret = 'a-secret-of-at-least-16-characters';
// Quick retries; a generous timeout: a delivery slower than it on a loaded machine would be retried and received twice.
const fast = { backoff: { initialDelayMs: 5, maxDelayMs: 20 }, timeoutMs: 10_000, maxAttempts: 3 };

interface Received {
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

interface Hook {
  url: string;
  /** Requests since the last `answer`. */
  received: Received[];
  /** Answers the next requests with these statuses in turn, then 200. */
  answer(statuses: number[]): void;
  server: Server;
}

async function startHook(): Promise<Hook> {
  let statuses: number[] = [];
  const received: Received[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => {
      body += chunk;
    });
    request.on('end', () => {
      received.push({ headers: request.headers, body });
      response.statusCode = statuses.shift() ?? 200;
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const answer = (next: number[]) => {
    statuses = [...next];
    received.length = 0;
  };
  return { url: `http://127.0.0.1:${port}/hooks/gantry?key=k`, received, answer, server };
}

describe('approval webhook', { timeout: 60_000 }, () => {
  let testApp: TestApp;
  let hook: Hook;
  beforeAll(async () => {
    hook = await startHook();
    testApp = await openTestApp({ pipeline, approvalWebhook: { url: hook.url, secret, ...fast } });
  }, 60_000);
  afterAll(async () => {
    await testApp?.close();
    await new Promise((resolve) => (hook?.server.listening ? hook.server.close(resolve) : resolve(undefined)));
  });

  /** Triggers a run, finishes its build job as an agent would, and waits until the gate is announced. */
  const reachGate = async (app: TestApp) => {
    const headers = { authorization: `Bearer ${testAdminToken}`, 'content-type': 'application/json' };
    const created = await app.app.request('/api/runs', {
      method: 'POST',
      headers,
      body: JSON.stringify({ repo: app.repo, ref: 'main' }),
    });
    const runId = ((await created.json()) as { id: string }).id;
    await app.scheduler.settle();
    const run = async () =>
      (await (await app.app.request(`/api/runs/${runId}`, { headers })).json()) as {
        status: string;
        sha: string;
        stages: { jobs: { id: string; attempt: number }[] }[];
      };
    const job = (await run()).stages[0]?.jobs[0];
    if (!job) throw new Error('no build job');
    const claim = await app.lifecycle.claim('agent-1', job.id, job.attempt);
    if (!claim.granted) throw new Error(`claim refused: ${claim.reason}`);
    const lease = { jobId: job.id, attempt: job.attempt, leaseToken: claim.leaseToken };
    await app.lifecycle.finish(lease, { status: 'succeeded', exitCode: 0, message: null });
    await app.scheduler.settle();
    await app.approvalWebhook?.settle();
    return { runId, run };
  };

  it('posts the approval request, signed, once the stage waits for approval', async () => {
    hook.answer([]);
    const { runId, run } = await reachGate(testApp);
    expect(hook.received).toHaveLength(1);
    const [delivery] = hook.received;
    const payload = JSON.parse(delivery?.body ?? '{}');
    expect(payload).toEqual({
      event: 'approval.requested',
      runId,
      stage: 'production',
      environment: 'production',
      repo: testApp.repo,
      ref: 'main',
      sha: (await run()).sha,
      commitSubject: 'init',
      triggeredBy: 'admin',
      approvers: ['paul', 'role:release'],
      protectionApprovers: null,
      required: 2,
      url: `http://gantry.test/runs/${runId}`,
      apiUrl: `http://gantry.test/api/runs/${runId}`,
      requestedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(delivery?.headers['content-type']).toBe('application/json');
    const signature = `sha256=${createHmac('sha256', secret)
      .update(delivery?.body ?? '')
      .digest('hex')}`;
    expect(delivery?.headers['x-gantry-signature-256']).toBe(signature);
    expect(testApp.logLines()).toContainEqual(
      expect.objectContaining({ msg: 'approval webhook delivered', runId, stage: 'production', status: 200 }),
    );
  });

  it('retries a hook that answered 500 until it answers 200', async () => {
    hook.answer([500, 200]);
    const { runId } = await reachGate(testApp);
    expect(hook.received).toHaveLength(2);
    expect(hook.received[1]?.body).toBe(hook.received[0]?.body);
    expect(JSON.parse(hook.received[1]?.body ?? '{}').runId).toBe(runId);
    const lines = testApp.logLines();
    expect(lines).toContainEqual(
      expect.objectContaining({ msg: 'approval webhook attempt failed; retrying', error: 'the webhook answered 500' }),
    );
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'approval webhook delivered', runId, status: 200 }));
  });

  it('leaves the run waiting for approval when nobody listens at the hook, and logs the failure', async () => {
    await new Promise((resolve) => hook.server.close(resolve));
    const { runId, run } = await reachGate(testApp);
    expect((await run()).status).toBe('awaiting_approval');
    const lines = testApp.logLines();
    const retries = lines.filter(
      (line) => line.msg === 'approval webhook attempt failed; retrying' && line.runId === runId,
    );
    expect(retries).toHaveLength(2);
    const failure = lines.find((line) => line.msg === 'approval webhook failed');
    expect(failure).toMatchObject({ runId, level: 40 });
    expect(JSON.stringify(lines)).not.toContain('key=k');
  });
});
