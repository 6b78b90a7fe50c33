/**
 * The agent against a real nats-server and an in-process fake controller:
 * offer → claim → checkout → steps → logs → finish, and the ways a job ends.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { natsTopology } from '@gantry/proto';
import * as grpc from '@grpc/grpc-js';
import { connect, type NatsConnection, RetentionPolicy, StorageType } from 'nats';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AgentConfig } from './config.js';
import { type AgentHandle, startAgent } from './main.js';
import { RegistrationRefusedError } from './registration.js';
import { type Call, FakeController } from './testing/fake-controller.js';
import { startTestNatsServer, type TestNatsServer } from './testing/nats-server.js';

const root = mkdtempSync(join(tmpdir(), 'gantry-agent-'));
const repo = join(root, 'repo');
const gitEnv = { PATH: process.env.PATH ?? '', HOME: root };
let sha = '';
let nats: TestNatsServer;
let nc: NatsConnection;
let controller: FakeController;
let agent: AgentHandle | undefined;
let logs: Array<Record<string, unknown>>;
let logListeners: Array<() => void> = [];
let jobCounter = 0;

function git(...args: string[]) {
  return execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.com', ...args], {
    cwd: repo,
    env: gitEnv,
  })
    .toString()
    .trim();
}

function config(overrides: Partial<AgentConfig> = {}): AgentConfig {
  return {
    controllerAddress: controller.address,
    natsUrl: nats.url,
    queues: ['default'],
    slots: 1,
    token: 't0k',
    workDir: join(root, `work-${++jobCounter}`),
    name: 'test-agent',
    killGraceMs: 100,
    logLevel: 'debug',
    baseEnv: gitEnv,
    ...overrides,
  };
}

async function start(overrides: Partial<AgentConfig> = {}) {
  const logger = pino(
    { level: 'debug' },
    {
      write: (line: string) => {
        logs.push(JSON.parse(line));
        for (const listener of logListeners.splice(0)) listener();
      },
    },
  );
  const cfg = config(overrides);
  agent = await startAgent(cfg, logger);
  return cfg;
}

/** Registers a job with the fake controller and publishes its offer. */
async function offer(steps: string[], extra: { timeoutMs?: number; sha?: string; queue?: string } = {}) {
  const jobId = `job-${++jobCounter}`;
  controller.jobs.set(jobId, {
    runId: 'run-1',
    jobId,
    name: 'build',
    stage: 'test',
    repoUrl: repo,
    ref: 'refs/heads/main',
    sha: extra.sha ?? sha,
    steps,
    env: { FOO: 'bar' },
    timeoutMs: extra.timeoutMs ?? 0,
  });
  await publishOffer(jobId, extra.queue);
  return jobId;
}

async function publishOffer(jobId: string, queue = 'default', body?: string) {
  const data = body ?? JSON.stringify({ jobId, attempt: 1, runId: 'run-1' });
  await nc.jetstream().publish(natsTopology.jobsSubject(queue), data, { msgID: `${jobId}.1` });
}

/** Resolves with the first agent log line matching `fields`. */
function logLine(fields: Record<string, unknown>): Promise<Record<string, unknown>> {
  const matches = (l: Record<string, unknown>) => Object.entries(fields).every(([k, v]) => l[k] === v);
  return new Promise((resolve) => {
    const check = () => {
      const found = logs.find(matches);
      if (found) resolve(found);
      else logListeners.push(check);
    };
    check();
  });
}

const finishOf = (jobId: string) =>
  controller.waitFor(
    (c): c is Extract<Call, { method: 'FinishJob' }> => c.method === 'FinishJob' && c.request.lease?.jobId === jobId,
  );
const methodsFor = (jobId: string) =>
  controller.calls
    .filter((c) =>
      'request' in c && 'lease' in c.request ? c.request.lease?.jobId === jobId : c.method === 'StreamLogs',
    )
    .map((c) => c.method);
const logTextOf = (jobId: string) => {
  const call = controller.calls.find(
    (c): c is Extract<Call, { method: 'StreamLogs' }> =>
      c.method === 'StreamLogs' && c.chunks[0]?.lease?.jobId === jobId,
  );
  return Buffer.concat(call?.chunks.map((c) => c.data) ?? []).toString();
};

beforeAll(async () => {
  mkdirSync(repo);
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: repo, env: gitEnv });
  writeFileSync(join(repo, 'README'), 'hello\n');
  git('add', 'README');
  git('commit', '-q', '-m', 'first');
  sha = git('rev-parse', 'HEAD');
  nats = await startTestNatsServer();
  nc = await connect({ servers: nats.url });
  const jsm = await nc.jetstreamManager();
  await jsm.streams.add({
    name: natsTopology.jobsStream,
    subjects: ['gantry.jobs.>'],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
  });
});

afterAll(async () => {
  await nc?.close();
  await nats?.stop();
  rmSync(root, { recursive: true, force: true });
});

beforeEach(async () => {
  logs = [];
  logListeners = [];
  controller = new FakeController();
  await controller.start();
});

afterEach(async () => {
  await agent?.stop();
  agent = undefined;
  await controller.stop();
});

describe('agent', () => {
  it('registers, announces readiness, runs an offered job and reports it', async () => {
    const cfg = await start();
    const ready = logs.filter((l) => l.msg === 'agent ready');
    expect(ready).toHaveLength(1);
    expect(ready[0]).toMatchObject({ agentId: 'agent-1', name: 'test-agent', queues: ['default'], slots: 1 });
    const register = controller.calls.find((c) => c.method === 'Register');
    expect(register).toMatchObject({ authorization: 'Bearer t0k', request: { protocolVersion: 1, slots: 1 } });

    const jobId = await offer(['echo "$GANTRY_JOB_NAME $FOO $CI $GANTRY_ATTEMPT"', 'cat README >&2']);
    const finish = await finishOf(jobId);
    expect(finish.request).toMatchObject({
      result: 'succeeded',
      exitCode: 0,
      lease: { leaseToken: `lease-${jobId}-1` },
    });
    expect(logTextOf(jobId)).toBe(
      '$ echo "$GANTRY_JOB_NAME $FOO $CI $GANTRY_ATTEMPT"\nbuild bar true 1\n$ cat README >&2\nhello\n',
    );
    // Every log byte is stored before the job is reported finished.
    const methods = methodsFor(jobId);
    expect(methods.indexOf('StreamLogs')).toBeLessThan(methods.indexOf('FinishJob'));
    const steps = controller.calls.flatMap((c) =>
      c.method === 'ReportStep' ? [[c.request.stepIndex, c.request.state]] : [],
    );
    expect(steps).toEqual([
      [0, 'running'],
      [0, 'succeeded'],
      [1, 'running'],
      [1, 'succeeded'],
    ]);
    // The offer was acked (a WorkQueue stream drops acked messages).
    const info = await (await nc.jetstreamManager()).consumers.info(natsTopology.jobsStream, 'jobs-default');
    expect(info.num_ack_pending).toBe(0);
    await agent?.drain();
    expect(readdirSync(join(cfg.workDir, 'workspaces'))).toEqual([]);
    expect(readdirSync(join(cfg.workDir, 'repos'))).toHaveLength(1);
  });

  it('stops at the first failing step', async () => {
    await start();
    const jobId = await offer(['echo one', 'exit 3', 'echo never']);
    const finish = await finishOf(jobId);
    expect(finish.request).toMatchObject({ result: 'failed', exitCode: 3, message: 'step 2 failed with exit code 3' });
    expect(logTextOf(jobId)).not.toContain('never');
  });

  it('reports a checkout failure with git’s message, also in the log', async () => {
    await start();
    const jobId = await offer(['echo never'], { sha: 'f'.repeat(40) });
    const finish = await finishOf(jobId);
    expect(finish.request.result).toBe('failed');
    expect(finish.request.message).toMatch(/^checkout failed: /);
    expect(logTextOf(jobId)).toContain(finish.request.message);
  });

  it('times a job out', async () => {
    await start();
    const jobId = await offer(['sleep 1000 & sleep 1000'], { timeoutMs: 50 });
    const finish = await finishOf(jobId);
    // The deadline may pass during checkout or during the step (then exit code 143): both are "timed_out".
    expect(finish.request).toMatchObject({ result: 'timed_out', message: 'job timed out after 50 ms' });
  });

  it('cancels a job on a control message', async () => {
    await start();
    const jobId = await offer(['echo started; sleep 1000']);
    await controller.waitFor((c) => c.method === 'ReportStep' && c.request.lease?.jobId === jobId);
    const reply = await nc.request(
      natsTopology.agentControlSubject('agent-1'),
      JSON.stringify({ type: 'cancel', jobId, attempt: 1 }),
    );
    expect(JSON.parse(reply.string())).toEqual({ ok: true });
    expect((await finishOf(jobId)).request.result).toBe('canceled');
  });

  it('cancels a job when a heartbeat says so', async () => {
    controller.heartbeatIntervalMs = 20;
    controller.heartbeat = () => ({ cancelRequested: true });
    await start();
    const jobId = await offer(['sleep 1000']);
    expect((await finishOf(jobId)).request.result).toBe('canceled');
  });

  it('kills a job whose lease went stale and reports nothing more for it', async () => {
    let staleJob = '';
    controller.heartbeatIntervalMs = 20;
    controller.heartbeat = (request) =>
      request.lease?.jobId === staleJob
        ? { error: grpc.status.FAILED_PRECONDITION, details: 'stale lease' }
        : { cancelRequested: false };
    await start();
    const pidFile = join(root, 'stale.pid');
    staleJob = await offer([`sleep 1000 & echo $! > ${pidFile}; wait`]);
    // One slot: the next job runs only once the stale one is gone.
    const nextJob = await offer(['true']);
    await finishOf(nextJob);
    expect(methodsFor(staleJob)).not.toContain('FinishJob');
    expect(logs.some((l) => l.msg === 'lease lost, killing job' && l.jobId === staleJob)).toBe(true);
    if (existsSync(pidFile)) {
      expect(() => process.kill(Number(execFileSync('cat', [pidFile]).toString()), 0)).toThrow();
    }
  });

  it('fences itself when heartbeats fail for most of the lease TTL', async () => {
    let unreachableJob = '';
    controller.heartbeatIntervalMs = 20;
    controller.leaseTtlMs = 150;
    controller.heartbeat = (request) =>
      request.lease?.jobId === unreachableJob
        ? { error: grpc.status.UNAVAILABLE, details: 'controller down' }
        : { cancelRequested: false };
    await start();
    unreachableJob = await offer(['sleep 1000']);
    expect(await logLine({ msg: 'lease lost, killing job', jobId: unreachableJob })).toMatchObject({
      reason: 'expired',
    });
    await logLine({ msg: 'job abandoned, lease lost', jobId: unreachableJob });
    expect(methodsFor(unreachableJob)).not.toContain('FinishJob');
  });

  it('terms an offer the controller denies and a malformed one', async () => {
    await start();
    await publishOffer('not-known');
    await publishOffer('garbage', 'default', '{not json');
    const jobId = await offer(['true']);
    await finishOf(jobId);
    expect(controller.calls.some((c) => c.method === 'ClaimJob' && c.request.jobId === 'not-known')).toBe(true);
    const info = await (await nc.jetstreamManager()).streams.info(natsTopology.jobsStream);
    expect(info.state.messages).toBe(0);
  });

  it('pulls from every queue it serves', async () => {
    await start({ queues: ['linux', 'arm64'], slots: 1 });
    const jobId = await offer(['true'], { queue: 'arm64' });
    expect((await finishOf(jobId)).request.result).toBe('succeeded');
  });

  it('drains: stops taking work and waits for the running job to report', async () => {
    await start();
    const jobId = await offer(['echo working']);
    await controller.waitFor((c) => c.method === 'ClaimJob' && c.request.jobId === jobId);
    await agent?.drain();
    expect(methodsFor(jobId)).toContain('FinishJob');
    expect(await agent?.closed).toBeUndefined();
  });

  it('refuses to start when the controller rejects the protocol version', async () => {
    controller.register = () => ({ error: grpc.status.FAILED_PRECONDITION, details: 'protocol 1 not supported' });
    await expect(start()).rejects.toMatchObject({ name: 'RegistrationRefusedError', code: 'VERSION_MISMATCH' });
  });

  it('refuses to start with a token the controller rejects', async () => {
    controller.register = () => ({ error: grpc.status.UNAUTHENTICATED, details: 'bad token' });
    const attempt = start();
    await expect(attempt).rejects.toBeInstanceOf(RegistrationRefusedError);
    await expect(attempt).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});
