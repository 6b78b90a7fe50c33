/**
 * Two controller replicas behind HAProxy, configured from the shipped example
 * (deploy/load-balancer/haproxy.cfg), and an agent that knows only the
 * balancer's address: kill -9 of the replica holding the agent's connection,
 * while its job runs, moves the agent to the other replica through the
 * balancer before its lease could lapse, and the job runs once.
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
  type LoadBalancer,
  type NatsServer,
  startAgent,
  startController,
  startLoadBalancer,
  startNats,
} from '../src/harness/index.js';
import { waitFor } from './wait.js';

const adminToken = `admin-${randomBytes(12).toString('hex')}`;
const agentToken = `agent-${randomBytes(12).toString('hex')}`;
// Short enough that a failover slower than a few seconds would expire the lease (agents self-fence at 2/3 TTL).
const controllerEnv = { GANTRY_LEASE_TTL_MS: '6000', GANTRY_HEARTBEAT_INTERVAL_MS: '1000' };

let dir: string;
let nats: NatsServer;
let replicas: [ControllerProcess, ControllerProcess];
let balancer: LoadBalancer;
let agent: AgentProcess;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gantry-balanced-'));
  nats = await startNats();
  const databaseUrl = await freshDatabase();
  const replica = (name: string) =>
    startController({
      databaseUrl,
      natsUrl: nats.url,
      dataDir: join(dir, name),
      adminToken,
      agentToken,
      env: controllerEnv,
    });
  replicas = [await replica('first'), await replica('second')];
  balancer = await startLoadBalancer(replicas);
  agent = await startAgent({
    controller: balancer.grpcAddress,
    natsUrl: nats.url,
    token: agentToken,
    workDir: join(dir, 'agent'),
    name: 'balanced-agent',
  });
});

afterAll(async () => {
  await agent?.kill9();
  await balancer?.stop();
  await Promise.allSettled((replicas ?? []).map((replica) => replica.stop()));
  await nats?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('controller replicas behind a TCP load balancer', () => {
  it('keeps a running job alive through kill -9 of the replica behind the agent, and runs it once', async () => {
    const marks = await mkdtemp(join(tmpdir(), 'gantry-balanced-marks-'));
    const wait = `touch ${marks}/started-$GANTRY_ATTEMPT; while [ ! -f ${marks}/go ]; do sleep 0.05; done`;
    const repo = await createGitRepo({
      '.gantry.yml': `name: balanced\nstages:\n  - name: test\n    jobs:\n      - { name: unit, steps: [${JSON.stringify(wait)}, "echo done by attempt $GANTRY_ATTEMPT"] }\n`,
    });
    const throughBalancer = api(balancer.httpUrl, adminToken);
    const created = await throughBalancer.POST('/api/runs', { body: { repo: repo.path, ref: 'main' } });
    expect(created.response.status).toBe(201);
    const runId = created.data!.id;
    await waitFor('the job to start', () => existsSync(join(marks, 'started-1')));

    const connected = `"agentId":"${agent.agentId}","msg":"agent connected"`;
    // The agent opens its Connect stream on its own schedule, not before it may claim: wait for it.
    const holder = await waitFor('the agent to hold its Connect stream on one replica', () => {
      const index = replicas.findIndex((replica) => replica.logs().includes(connected));
      return index >= 0 ? index : undefined;
    });
    const survivor = replicas[1 - holder]!;
    const connectionsBefore = survivor.logs().split(connected).length;
    await replicas[holder]!.kill9();

    await waitFor(
      'the agent to reconnect to the other replica through the balancer',
      () => survivor.logs().split(connected).length > connectionsBefore,
    );
    // Outlive the lease TTL, so a lease the failover had not kept alive would have expired by now.
    await waitFor('one and a half lease TTLs since the job started', async () => {
      const run = await throughBalancer.GET('/api/runs/{id}', { params: { path: { id: runId } } });
      const startedAt = Date.parse(run.data?.stages[0]?.jobs[0]?.attempts[0]?.startedAt ?? '');
      return Date.now() - startedAt > Number(controllerEnv.GANTRY_LEASE_TTL_MS) * 1.5 ? true : undefined;
    });
    await writeFile(join(marks, 'go'), '');

    const run = await throughBalancer.waitForRun(
      runId,
      (view) => view.status !== 'running' && view.status !== 'queued',
      {
        timeoutMs: 60_000,
      },
    );
    const logs = () => `${survivor.logs()}\n--- agent ---\n${agent.logs()}\n--- haproxy ---\n${balancer.logs()}`;
    expect(run.status, logs()).toBe('succeeded');
    expect(run.stages[0]?.jobs[0]?.attempts.map((attempt) => attempt.status)).toEqual(['succeeded']);
    expect(existsSync(join(marks, 'started-2'))).toBe(false);
    expect(await throughBalancer.readLog(runId, run.stages[0]!.jobs[0]!.id)).toContain('done by attempt 1');
  });
});
