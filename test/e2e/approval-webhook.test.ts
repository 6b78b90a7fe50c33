/**
 * The approval webhook from a real controller process: GANTRY_APPROVAL_WEBHOOK
 * and its secret come from the environment, and a run whose build ran on a
 * real agent is announced, signed, when its production gate opens.
 */
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitRepo, type GitRepo } from '../src/harness/index.js';
import { type Farm, startFarm } from './farm-fixture.js';
import { waitFor } from './wait.js';

const secret = 'approval-webhook-secret-for-e2e';
const pipeline = `name: webhook
stages:
  - name: build
    jobs:
      - { name: compile, steps: ["echo built"] }
  - name: production
    environment: production
    approval: { approvers: ["role:release"] }
    jobs:
      - { name: deploy, steps: ["echo deployed"] }
`;

describe('approval webhook from the controller process', () => {
  let farm: Farm;
  let hook: Server;
  let repo: GitRepo;
  const deliveries: { signature: string | undefined; body: string }[] = [];

  beforeAll(async () => {
    hook = createServer((request, response) => {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => {
        body += chunk;
      });
      request.on('end', () => {
        deliveries.push({ signature: request.headers['x-gantry-signature-256'] as string | undefined, body });
        response.end();
      });
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    const { port } = hook.address() as AddressInfo;
    farm = await startFarm({
      agents: 1,
      slots: 1,
      controllerEnv: {
        GANTRY_APPROVAL_WEBHOOK: `http://127.0.0.1:${port}/gantry`,
        GANTRY_APPROVAL_WEBHOOK_SECRET: secret,
      },
    });
    repo = await createGitRepo({ '.gantry.yml': pipeline }, { message: 'ship the new checkout page' });
  });
  afterAll(async () => {
    await farm?.stop();
    await repo?.remove();
    await new Promise((resolve) => (hook?.listening ? hook.close(resolve) : resolve(undefined)));
  });

  it('announces the gate with the run, the commit and a link, signed with the secret', async () => {
    const created = await farm.client.POST('/api/runs', { body: { repo: repo.path, ref: 'main' } });
    const runId = created.data?.id ?? '';
    await farm.client.waitForRun(runId, (run) => run.status === 'awaiting_approval');
    const delivery = await waitFor('the approval webhook', () => deliveries[0]);
    const expected = `sha256=${createHmac('sha256', secret).update(delivery.body).digest('hex')}`;
    expect(delivery.signature).toBe(expected);
    expect(JSON.parse(delivery.body)).toMatchObject({
      event: 'approval.requested',
      runId,
      stage: 'production',
      repo: repo.path,
      ref: 'main',
      sha: repo.sha,
      commitSubject: 'ship the new checkout page',
      approvers: ['role:release'],
      required: 1,
      url: `${farm.controller.httpUrl}/runs/${runId}`,
    });
    expect(deliveries).toHaveLength(1);
  });
});
