/**
 * Test support: the agent against a real nats-server and an in-process fake
 * controller, with a real git repository to check out. `useAgentFixture()`
 * registers the vitest hooks (one nats-server and repo per file, a fresh fake
 * controller per test, the agent stopped after each test) and returns helpers.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type NatsServerProcess, startNatsServer } from '@gantry/common';
import { natsTopology } from '@gantry/proto';
import { connect, type NatsConnection, RetentionPolicy, StorageType } from 'nats';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';
import type { AgentConfig } from '../config.js';
import { type AgentHandle, startAgent } from '../main.js';
import { type Call, FakeController } from './fake-controller.js';

export type LogLine = Record<string, unknown>;

export interface OfferOptions {
  timeoutMs?: number;
  stepTimeoutsMs?: number[];
  sha?: string;
  queue?: string;
}

export interface AgentFixture {
  /** Temporary directory of this test file. */
  readonly root: string;
  readonly repo: string;
  readonly sha: string;
  readonly controller: FakeController;
  /** A test-side NATS connection (publishes offers and control messages). */
  readonly nc: NatsConnection;
  readonly agent: AgentHandle | undefined;
  /** Every log line the agent wrote in this test, parsed. */
  readonly logs: LogLine[];
  config(overrides?: Partial<AgentConfig>): AgentConfig;
  start(overrides?: Partial<AgentConfig>): Promise<AgentConfig>;
  /** Registers a job with the fake controller and publishes its offer; returns the job id. */
  offer(steps: string[], extra?: OfferOptions): Promise<string>;
  publishOffer(jobId: string, queue?: string, body?: string): Promise<void>;
  /** Resolves with the first agent log line matching `fields`. */
  logLine(fields: LogLine): Promise<LogLine>;
  /** Resolves once `count` agent log lines match `fields`. */
  logLines(fields: LogLine, count: number): Promise<LogLine[]>;
  finishOf(jobId: string): Promise<Extract<Call, { method: 'FinishJob' }>>;
  /** Methods of the calls that carried this job's lease, in order (StreamLogs of any job included). */
  methodsFor(jobId: string): string[];
  /** The job's log as the controller stored it: every chunk by seq (resends must carry the same bytes). */
  logTextOf(jobId: string): string;
  /** Each reported step's latest state and exit code, by step index, folded over every ReportSteps call. */
  stepsOf(jobId: string): Array<[stepIndex: number, state: string, exitCode: number]>;
}

export function useAgentFixture(options: { nats?: () => string } = {}): AgentFixture {
  const root = mkdtempSync(join(tmpdir(), 'gantry-agent-'));
  const repo = join(root, 'repo');
  const gitEnv = { PATH: process.env.PATH ?? '', HOME: root };
  let sha = '';
  let nats: NatsServerProcess | undefined;
  let natsUrl = '';
  let nc: NatsConnection;
  let controller: FakeController;
  let agent: AgentHandle | undefined;
  let logs: LogLine[] = [];
  let logListeners: Array<() => void> = [];
  let counter = 0;

  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.com', ...args], { cwd: repo, env: gitEnv })
      .toString()
      .trim();

  beforeAll(async () => {
    mkdirSync(repo);
    execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: repo, env: gitEnv });
    writeFileSync(join(repo, 'README'), 'hello\n');
    git('add', 'README');
    git('commit', '-q', '-m', 'first');
    sha = git('rev-parse', 'HEAD');
    if (options.nats) natsUrl = options.nats();
    else {
      nats = await startNatsServer({ storeDir: join(root, 'nats') });
      natsUrl = nats.url;
    }
    nc = await connect({ servers: natsUrl, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
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

  const fixture: AgentFixture = {
    root,
    repo,
    get sha() {
      return sha;
    },
    get controller() {
      return controller;
    },
    get nc() {
      return nc;
    },
    get agent() {
      return agent;
    },
    get logs() {
      return logs;
    },
    config: (overrides = {}) => ({
      controllerAddresses: [controller.address],
      natsUrl,
      natsUser: undefined,
      natsPassword: undefined,
      caFile: undefined,
      queues: ['default'],
      slots: 1,
      token: 't0k',
      workDir: join(root, `work-${++counter}`),
      name: 'test-agent',
      runAs: undefined,
      killGraceMs: 100,
      logHoldMs: 100,
      artifactMaxBytes: 1024 * 1024,
      cacheMaxBytes: 64 * 1024 * 1024,
      cacheLocalMaxBytes: 64 * 1024 * 1024,
      logLevel: 'debug',
      metricsPort: undefined,
      metricsHost: '127.0.0.1',
      baseEnv: gitEnv,
      ...overrides,
    }),
    async start(overrides = {}) {
      const logger = pino(
        { level: 'debug' },
        {
          write: (line: string) => {
            logs.push(JSON.parse(line));
            for (const listener of logListeners.splice(0)) listener();
          },
        },
      );
      const cfg = fixture.config(overrides);
      agent = await startAgent(cfg, logger);
      return cfg;
    },
    async offer(steps, extra = {}) {
      const jobId = `job-${++counter}`;
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
        stepTimeoutsMs: extra.stepTimeoutsMs ?? [],
      });
      await fixture.publishOffer(jobId, extra.queue);
      return jobId;
    },
    async publishOffer(jobId, queue = 'default', body) {
      const data = body ?? JSON.stringify({ jobId, attempt: 1, runId: 'run-1' });
      await nc.jetstream().publish(natsTopology.jobsSubject(queue), data, { msgID: `${jobId}.1` });
    },
    logLine: (fields) => fixture.logLines(fields, 1).then((found) => found[0] as LogLine),
    logLines(fields, count) {
      const matches = (l: LogLine) => Object.entries(fields).every(([k, v]) => l[k] === v);
      return new Promise((resolve) => {
        const check = () => {
          const found = logs.filter(matches);
          if (found.length >= count) resolve(found);
          else logListeners.push(check);
        };
        check();
      });
    },
    finishOf: (jobId) =>
      controller.waitFor(
        (c): c is Extract<Call, { method: 'FinishJob' }> =>
          c.method === 'FinishJob' && c.request.lease?.jobId === jobId,
      ),
    methodsFor: (jobId) =>
      controller.calls
        .filter((c) =>
          'request' in c && 'lease' in c.request ? c.request.lease?.jobId === jobId : c.method === 'StreamLogs',
        )
        .map((c) => c.method),
    stepsOf(jobId) {
      const latest = new Map<number, [number, string, number]>();
      for (const call of controller.calls) {
        // The last reports may travel with FinishJob.
        if (call.method !== 'ReportSteps' && call.method !== 'FinishJob') continue;
        if (call.request.lease?.jobId !== jobId) continue;
        for (const step of call.request.steps) latest.set(step.stepIndex, [step.stepIndex, step.state, step.exitCode]);
      }
      return [...latest.values()].sort((a, b) => a[0] - b[0]);
    },
    logTextOf(jobId) {
      const bySeq = new Map<number, Buffer>();
      for (const chunk of controller.chunks) {
        if (chunk.lease?.jobId !== jobId) continue;
        const known = bySeq.get(chunk.seq);
        if (known && !known.equals(chunk.data)) throw new Error(`seq ${chunk.seq} resent with other bytes`);
        bySeq.set(chunk.seq, chunk.data);
      }
      const seqs = [...bySeq.keys()].sort((a, b) => a - b);
      if (seqs.some((seq, index) => seq !== index)) throw new Error(`log has gaps: seqs ${seqs.join(',')}`);
      const data = seqs.map((seq) => bySeq.get(seq) as Buffer);
      for (const chunk of controller.chunks) {
        if (chunk.lease?.jobId !== jobId) continue;
        const expected = data.slice(0, chunk.seq).reduce((sum, d) => sum + d.length, 0);
        if (chunk.offset !== expected) throw new Error(`seq ${chunk.seq} has offset ${chunk.offset}, not ${expected}`);
      }
      return Buffer.concat(data).toString();
    },
  };
  return fixture;
}
