/**
 * The Connect session against a real in-process gRPC server: held open after
 * Register, reopened when the controller ends or fails it or restarts,
 * re-registered on NOT_FOUND, closed for good on close().
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ControllerClient, createControllerClient } from '../controller-client.js';
import { type Call, FakeController } from '../testing/fake-controller.js';
import { type RoundRobinProxy, startRoundRobinProxy } from '../testing/round-robin-proxy.js';
import { AgentSession } from './agent-session.js';

let controller: FakeController;
let client: ControllerClient;
let session: AgentSession | undefined;
const logs: Array<Record<string, unknown>> = [];
let logListeners: Array<() => void> = [];
const logger = pino(
  { level: 'debug' },
  {
    write: (line: string) => {
      logs.push(JSON.parse(line));
      for (const listener of logListeners.splice(0)) listener();
    },
  },
);
/** Resolves once `count` log lines have message `msg`. */
function logged(msg: string, count = 1): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      if (logs.filter((l) => l.msg === msg).length >= count) resolve();
      else logListeners.push(check);
    };
    check();
  });
}
const identity = { name: 'test-agent', queues: ['default'], slots: 1 };
const workDir = mkdtempSync(join(tmpdir(), 'gantry-session-'));
let credentialFile = '';
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

const connects = (agentId?: string) =>
  controller.calls.filter(
    (c): c is Extract<Call, { method: 'Connect' }> =>
      c.method === 'Connect' && (agentId === undefined || c.request.agentId === agentId),
  );
/** Resolves once the agent has heard "connected" on its `n`th stream. */
const connectedTimes = async (n: number) => {
  await logged('controller session open');
  if (n > 1) await logged('controller session restored', n - 1);
  expect(connects()).toHaveLength(n);
  expect(controller.openConnects).toBe(1);
};

beforeEach(async () => {
  logs.length = 0;
  logListeners = [];
  controller = new FakeController();
  await controller.start();
  credentialFile = join(workDir, `credential-${Date.now()}-${Math.random()}`);
  client = createControllerClient({ addresses: [controller.address], token: 't0k' });
});

afterEach(async () => {
  await session?.close();
  session = undefined;
  client.close();
  await controller.stop();
});

function startSession(onAgentIdChanged?: (agentId: string) => void) {
  session = new AgentSession({
    controller: client,
    identity,
    credentials: { enrolmentToken: 't0k', file: credentialFile },
    logger,
    agentId: 'agent-1',
    onAgentIdChanged,
  });
  session.start();
  return session;
}

describe('AgentSession', () => {
  it('holds one Connect stream open with the agent id', async () => {
    startSession();
    await connectedTimes(1);
    expect(connects().map((c) => c.request.agentId)).toEqual(['agent-1']);
    expect(logs.some((l) => l.msg === 'controller session open')).toBe(true);
  });

  it('reconnects when the controller ends the stream', async () => {
    startSession();
    await connectedTimes(1);
    controller.endConnects();
    await connectedTimes(2);
    controller.failConnects(grpc.status.UNAVAILABLE, 'going away');
    await connectedTimes(3);
    expect(controller.count('Register')).toBe(0);
    // A stream that ended is reopened at once the first time; only a silent replica's is not (see below).
    const lost = logs.filter((line) => line.msg === 'controller session lost, reconnecting');
    expect(lost[0]).toMatchObject({ code: 'ENDED', delayMs: 0 });
  });

  it('reconnects after a controller restart on the same address', async () => {
    startSession();
    await connectedTimes(1);
    controller.stopServer();
    await logged('controller session lost, reconnecting');
    await controller.startServer();
    await connectedTimes(2);
    expect(logs.some((l) => l.msg === 'controller session restored')).toBe(true);
  });

  it('registers again on NOT_FOUND, then reconnects with the new agent id', async () => {
    const changes: string[] = [];
    startSession((agentId) => changes.push(agentId));
    await connectedTimes(1);
    // The controller forgot agent-1; registering again gives a new id.
    controller.register = () => ({ agentId: 'agent-2' });
    controller.connect = (request) =>
      request.agentId === 'agent-1' ? { error: grpc.status.NOT_FOUND, details: 'unknown agent' } : 'connected';
    controller.failConnects(grpc.status.NOT_FOUND, 'unknown agent');
    await logged('controller session restored');
    expect(connects('agent-2')).toHaveLength(1);
    expect(controller.count('Register')).toBe(1);
    // It had no saved credential: it enrolled, and registered with the credential it was given.
    expect(controller.calls.find((c) => c.method === 'Enrol')).toMatchObject({ authorization: 'Bearer t0k' });
    expect(controller.calls.find((c) => c.method === 'Register')).toMatchObject({
      authorization: `Bearer credential-${identity.name}`,
    });
    expect(session?.agentId).toBe('agent-2');
    expect(changes).toEqual(['agent-2']);
  });

  it('keeps trying while the controller does not know Connect', async () => {
    controller.connect = () => ({ error: grpc.status.UNIMPLEMENTED, details: 'no Connect' });
    startSession();
    await controller.waitUntil(() => connects().length >= 3);
    // Logged once, not once per attempt.
    expect(logs.filter((l) => l.msg === 'controller session lost, reconnecting' && l.level === 40)).toHaveLength(1);
    controller.connect = () => 'connected';
    await logged('controller session open');
    expect(controller.openConnects).toBe(1);
  });

  it('closes the stream for good on close()', async () => {
    startSession();
    await connectedTimes(1);
    await session?.close();
    await controller.waitFor((c) => c.method === 'ConnectClosed');
    expect(controller.openConnects).toBe(0);
    expect(connects()).toHaveLength(1);
  });
});

describe('AgentSession with two replicas', () => {
  let frozen: FakeController;
  let survivor: FakeController;
  let twoReplicas: ControllerClient;
  let held: AgentSession | undefined;
  const switches: string[] = [];

  beforeEach(async () => {
    logs.length = 0;
    logListeners = [];
    switches.length = 0;
    [frozen, survivor] = [new FakeController(), new FakeController()];
    for (const replica of [frozen, survivor]) {
      // Long enough that a busy test process (the fakes and the agent share its event loop) is not taken for silence.
      replica.aliveIntervalMs = 500;
      await replica.start();
    }
    twoReplicas = createControllerClient({
      addresses: [frozen.address, survivor.address],
      token: 't0k',
      onSwitch: (_from, to, reason) => switches.push(`${to} ${reason}`),
    });
  });

  afterEach(async () => {
    await held?.close();
    twoReplicas.close();
    await Promise.all([frozen.stop(), survivor.stop()]);
  });

  /**
   * Starts a session, which connects to the first address: the replica that will freeze. It reconnects
   * after a silence at once unless `random` says otherwise.
   */
  async function holdSessionOnFirstReplica(options: { silenceJitterMs?: number; random?: () => number } = {}) {
    held = new AgentSession({
      controller: twoReplicas,
      identity,
      credentials: { enrolmentToken: 't0k', file: join(workDir, `two-replicas-${Math.random()}`) },
      logger,
      agentId: 'agent-1',
      random: () => 0,
      ...options,
    });
    held.start();
    await logged('controller session open');
  }

  it('leaves a replica whose "alive" stopped for the next one, and stays on one that keeps sending it', async () => {
    await holdSessionOnFirstReplica({ silenceJitterMs: 400, random: () => 0.25 });
    // Frozen with its connections open: the stream neither ends nor fails, it only goes quiet.
    frozen.frozen = true;
    await logged('controller session restored');
    expect(switches).toEqual([`${survivor.address} UNAVAILABLE`]);
    // Not at the same instant as every other agent of the frozen replica: after its random share of the jitter.
    const lost = logs.filter((line) => line.msg === 'controller session lost, reconnecting');
    expect(lost.map((line) => [line.code, line.delayMs])).toEqual([['UNAVAILABLE', 100]]);
    // The new Connect came at least that long after the decision (both clocks count whole milliseconds).
    const connectedAt = survivor.callTimes[survivor.calls.findIndex((call) => call.method === 'Connect')];
    expect(Number(connectedAt) - Number(lost[0]?.time)).toBeGreaterThanOrEqual(99);
    expect(survivor.count('Connect')).toBe(1);
    // Six "alive" later (more than twice the silence the agent allows) it still holds that one stream.
    const heard = survivor.aliveSent;
    await survivor.waitUntil(() => survivor.aliveSent >= heard + 6);
    expect(survivor.count('Connect')).toBe(1);
    expect(frozen.count('Connect')).toBe(1);
    expect(survivor.openConnects).toBe(1);
  });

  it("does not take a stall of its own for the replica's silence", async () => {
    await holdSessionOnFirstReplica();
    // The agent's thread is busy for more than twice the silence it allows (a long synchronous task).
    const stalledUntil = performance.now() + 3_000;
    while (performance.now() < stalledUntil) {
      // Nothing runs meanwhile: no timer, no socket read.
    }
    const heard = frozen.aliveSent;
    await frozen.waitUntil(() => frozen.aliveSent >= heard + 4);
    expect(switches).toEqual([]);
    expect(frozen.count('Connect')).toBe(1);
    expect(survivor.count('Connect')).toBe(0);
    expect(logs.filter((line) => line.msg === 'controller session restored')).toEqual([]);
  });

  it('fails the calls still open on the frozen replica at once, so they are retried on the next', async () => {
    await holdSessionOnFirstReplica();
    frozen.frozen = true;
    const lease = { jobId: 'j1', attempt: 1, leaseToken: 'lease-1' };
    // Open on the frozen replica as it goes quiet: neither would be answered before its deadline (or keepalive's).
    const heartbeat = twoReplicas.heartbeat(lease, 3_600_000);
    const logs = twoReplicas.openLogStream(lease);
    logs.send({ seq: 0, offset: 0, data: Buffer.from('hi'), stepIndex: 0 });
    const finished = logs.finish();
    await frozen.waitFor((call) => call.method === 'Heartbeat');
    await expect(heartbeat).rejects.toMatchObject({ code: 'CANCELLED' });
    await expect(finished).rejects.toMatchObject({ code: 'CANCELLED' });
    await logged('controller session restored');
    // The next calls go to the replica the session moved to.
    await twoReplicas.heartbeat(lease);
    expect(survivor.count('Heartbeat')).toBe(1);
  });
});

describe('AgentSession behind one address balancing two replicas', () => {
  let frozen: FakeController;
  let survivor: FakeController;
  let balancer: RoundRobinProxy;
  let balanced: ControllerClient;
  let held: AgentSession | undefined;

  beforeEach(async () => {
    logs.length = 0;
    logListeners = [];
    [frozen, survivor] = [new FakeController(), new FakeController()];
    for (const replica of [frozen, survivor]) {
      // Long enough that a busy test process (the fakes and the agent share its event loop) is not taken for silence.
      replica.aliveIntervalMs = 500;
      await replica.start();
    }
    // The first connection goes to the replica that will freeze, the next to the other.
    balancer = await startRoundRobinProxy([frozen.address, survivor.address]);
    balanced = createControllerClient({ addresses: [balancer.address], token: 't0k' });
  });

  afterEach(async () => {
    await held?.close();
    balanced.close();
    await balancer.close();
    await Promise.all([frozen.stop(), survivor.stop()]);
  });

  it('leaves a replica whose "alive" stopped over a new connection, which the balancer takes to the other', async () => {
    held = new AgentSession({
      controller: balanced,
      identity,
      credentials: { enrolmentToken: 't0k', file: join(workDir, `balanced-${Math.random()}`) },
      logger,
      agentId: 'agent-1',
      random: () => 0,
    });
    held.start();
    await logged('controller session open');
    expect(frozen.count('Connect')).toBe(1);
    frozen.frozen = true;
    const lease = { jobId: 'j1', attempt: 1, leaseToken: 'lease-1' };
    // Open on the frozen replica as it goes quiet: it fails at once rather than at its deadline.
    const heartbeat = balanced.heartbeat(lease, 3_600_000);
    await frozen.waitFor((call) => call.method === 'Heartbeat');
    await expect(heartbeat).rejects.toMatchObject({ code: 'CANCELLED' });
    await logged('controller session restored');
    expect(survivor.count('Connect')).toBe(1);
    expect(balancer.routed).toEqual([frozen.address, survivor.address]);
    // The calls after it go over the new connection too.
    await balanced.heartbeat(lease);
    expect(survivor.count('Heartbeat')).toBe(1);
  });
});
