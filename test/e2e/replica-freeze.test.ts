/**
 * A controller replica that freezes (SIGSTOP: its process stops, its
 * connections stay open) while an agent's job runs: the agent hears no
 * "alive" on its Connect stream, connects to the other replica before the
 * farm takes it for lost, and its job runs once. Were it left on the frozen
 * replica, the other would see no replica vouch for the agent within seconds
 * and run the job again elsewhere while it still ran here.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AgentProcess,
  api,
  type ControllerProcess,
  createGitRepo,
  freshDatabase,
  type NatsServer,
  startAgent,
  startController,
  startNats,
} from '../src/harness/index.js';
import { waitFor } from './wait.js';

const adminToken = `admin-${randomBytes(12).toString('hex')}`;
const agentToken = `agent-${randomBytes(12).toString('hex')}`;
/** Twice the controller's SESSION_STALE_MS: an agent no replica vouched for this long has had its jobs reaped. */
const unvouchedLongEnoughMs = 10_000;

let dir: string;
let nats: NatsServer;
let frozen: ControllerProcess;
let survivor: ControllerProcess;
let agent: AgentProcess;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gantry-freeze-'));
  nats = await startNats();
  const databaseUrl = await freshDatabase();
  const replica = (name: string) =>
    startController({ databaseUrl, natsUrl: nats.url, dataDir: join(dir, name), adminToken, agentToken });
  frozen = await replica('frozen');
  survivor = await replica('survivor');
  // The first address is tried first: the agent starts out on the replica that will freeze.
  agent = await startAgent({
    controller: `${frozen.grpcAddress},${survivor.grpcAddress}`,
    natsUrl: nats.url,
    token: agentToken,
    workDir: join(dir, 'agent'),
    name: 'freeze-agent',
  });
});

afterAll(async () => {
  if (frozen) process.kill(frozen.pid, 'SIGCONT');
  await agent?.kill9();
  await Promise.allSettled([frozen?.stop(), survivor?.stop()]);
  await nats?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('a replica frozen under a running job', () => {
  it('loses the agent to the other replica in time, and the job runs once', async () => {
    const marks = join(dir, 'marks');
    const repo = await createGitRepo({
      '.gantry.yml': `name: freeze
stages:
  - name: test
    jobs:
      - name: unit
        steps:
          - mkdir -p ${marks} && touch ${marks}/started-$GANTRY_ATTEMPT
          - while [ ! -f ${marks}/go ]; do sleep 0.05; done; echo done by attempt $GANTRY_ATTEMPT
`,
    });
    const client = api(survivor.httpUrl, adminToken);
    const created = await client.POST('/api/runs', { body: { repo: repo.path, ref: 'main' } });
    expect(created.response.status).toBe(201);
    const runId = created.data!.id;
    await waitFor('the job to start', () => existsSync(join(marks, 'started-1')));
    const connectedOn = (controller: ControllerProcess) =>
      controller.logs().includes(`"agentId":"${agent.agentId}","msg":"agent connected"`);
    await waitFor('the agent to hold its Connect stream on the first replica', () => connectedOn(frozen));

    process.kill(frozen.pid, 'SIGSTOP');
    const frozenAt = Date.now();
    await waitFor('the agent to connect to the other replica', () => connectedOn(survivor));
    // Long enough that a session no replica vouched for would have had its job reaped and run again.
    await waitFor('the reaping window to pass', () => Date.now() - frozenAt > unvouchedLongEnoughMs);
    await writeFile(join(marks, 'go'), '');

    const run = await client.waitForRun(runId, (candidate) => !['queued', 'running'].includes(candidate.status));
    const logs = `--- survivor ---\n${survivor.logs()}\n--- agent ---\n${agent.logs()}`;
    expect(run.status, logs).toBe('succeeded');
    expect(run.stages[0]?.jobs[0]?.attempts.map((attempt) => attempt.status)).toEqual(['succeeded']);
    expect(existsSync(join(marks, 'started-2'))).toBe(false);
    expect(await client.readLog(runId, run.stages[0]!.jobs[0]!.id)).toContain('done by attempt 1');
  });
});
