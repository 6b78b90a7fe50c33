/**
 * The chaos checker must be able to fail: fed a fabricated history with each
 * kind of broken promise, it reports every one; fed a clean one, nothing.
 */
import { describe, expect, it } from 'vitest';
import { type CheckInput, checkChaos } from '../src/chaos/checker.js';
import type { EventsSummary, Execution } from '../src/chaos/events.js';
import type { AttemptRow, JobRow, RunRow } from '../src/chaos/oracle.js';
import type { WorkloadPlan } from '../src/chaos/workload.js';

const plan: WorkloadPlan = {
  totalJobs: 2,
  runs: ['k0', 'k1'].map((key, index) => ({
    index,
    repo: 0,
    key,
    stages: [{ name: 'stage1', jobs: [{ name: 'job1', lines: 3, sleepMs: 100 }] }],
    copies: 1,
    resendAfterDone: false,
    duringCrash: false,
  })),
};

const line = (run: string, job: string, attempt: number, seq: number) =>
  `CHAOS run=${run} job=${job} attempt=${attempt} seq=${seq} of=3\n`;
const fullLog = (run: string, job: string, attempt: number) =>
  `$ ./chaos-job.sh 3 0.100\n${[1, 2, 3].map((seq) => line(run, job, attempt, seq)).join('')}`;

function execution(jobId: string, attempt: number, from: number, to: number, agent = 'a1'): [string, Execution] {
  return [`${jobId}:${attempt}`, { jobId, attempt, agent, startedAt: from, lastSeenAt: to, starts: 1, ended: true }];
}

function history(): {
  runs: RunRow[];
  jobs: JobRow[];
  attempts: AttemptRow[];
  events: EventsSummary;
  logs: Map<string, string>;
} {
  const job = (id: string, runId: string, attempt: number): JobRow => ({
    id,
    runId,
    stage: 'stage1',
    name: 'job1',
    status: 'succeeded',
    attempt,
  });
  const attempt = (jobId: string, n: number, status: string, from: number, to: number): AttemptRow => ({
    jobId,
    attempt: n,
    status,
    agentId: `agent-${n}`,
    message: null,
    startedAt: from,
    finishedAt: to,
  });
  return {
    runs: [
      { id: 'r0', status: 'succeeded', idempotencyKey: 'k0', error: null },
      { id: 'r1', status: 'succeeded', idempotencyKey: 'k1', error: null },
    ],
    jobs: [job('j0', 'r0', 2), job('j1', 'r1', 1)],
    attempts: [
      attempt('j0', 1, 'lost', 100, 300),
      attempt('j0', 2, 'succeeded', 300, 600),
      attempt('j1', 1, 'succeeded', 100, 200),
    ],
    events: {
      malformed: 0,
      executions: new Map([
        execution('j0', 1, 100, 250),
        execution('j0', 2, 310, 590, 'a2'),
        execution('j1', 1, 100, 190),
      ]),
    },
    logs: new Map([
      ['j0', fullLog('r0', 'j0', 2)],
      ['j1', fullLog('r1', 'j1', 1)],
    ]),
  };
}

function inputOf(h: ReturnType<typeof history>, overrides: Partial<CheckInput> = {}): CheckInput {
  return {
    plan,
    triggers: [
      { key: 'k0', runIndex: 0, responses: [{ status: 201, runId: 'r0', failures: 0 }] },
      {
        key: 'k1',
        runIndex: 1,
        responses: [
          { status: 201, runId: 'r1', failures: 1 },
          { status: 200, runId: 'r1', failures: 0 },
        ],
      },
    ],
    faults: [],
    oracle: {
      runs: async () => h.runs,
      jobs: async () => h.jobs,
      attempts: async () => h.attempts,
      attemptFates: async () => [],
    },
    events: h.events,
    controllerLog: '',
    agentLogs: [],
    controllers: 2,
    readJobLog: async (_runId, jobId) => ({ status: 200, text: h.logs.get(jobId) ?? '' }),
    ...overrides,
  };
}

describe('chaos checker', () => {
  it('finds nothing wrong in a clean history', async () => {
    const result = await checkChaos(inputOf(history()));
    expect(result.violations).toEqual([]);
    expect(result.figures.attempts).toEqual({ total: 3, lost: 1, retriedJobs: 1, maxAttempt: 2 });
    expect(result.figures.logs).toEqual({ checked: 2, incomplete: 0, foreignLines: 0 });
  });

  it('reports a second run for a key, overlapping leases, concurrent and unclaimed executions, and broken logs', async () => {
    const h = history();
    h.attempts[0]!.finishedAt = 350; // attempt 1 still held its lease when attempt 2 started at 300
    h.events.executions.set(...execution('j0', 1, 100, 400)); // and its step still ran
    h.events.executions.set(...execution('j1', 2, 500, 600)); // an attempt no claim granted
    h.logs.set('j0', line('r0', 'j0', 2, 1) + line('r0', 'j0', 1, 2) + line('r0', 'j0', 2, 3));
    const triggers: CheckInput['triggers'] = [
      { key: 'k0', runIndex: 0, responses: [{ status: 201, runId: 'r0', failures: 0 }] },
      {
        key: 'k1',
        runIndex: 1,
        responses: [
          { status: 201, runId: 'r1', failures: 0 },
          { status: 201, runId: 'r9', failures: 0 },
        ],
      },
    ];
    const faults: CheckInput['faults'] = [
      {
        kind: 'agentPause',
        afterJobs: 0,
        at: 0,
        until: 0,
        target: 'a9',
        agentId: 'agent-9',
        held: [{ jobId: 'jx', attempt: 1 }],
        detail: '',
      },
    ];
    // Reaped while its agent was paused.
    h.attempts.push({ ...h.attempts[0]!, jobId: 'jx', attempt: 1, status: 'lost', agentId: 'agent-9' });
    const result = await checkChaos(inputOf(h, { triggers, faults }));
    const text = result.violations.join('\n');
    for (const expected of [
      'triggers not mapping to exactly one run',
      'overlapping leases',
      'attempts of one job running at the same time',
      'executions of attempts the database never granted',
      'committed logs incomplete or out of order',
      'committed logs with lines from other attempts',
      'no fence observed for',
    ]) {
      expect(text).toContain(expected);
    }
    expect(result.figures.overlappingLeases).toBe(1);
    expect(result.figures.concurrentExecutions.outsidePauses).toBe(1);
  });

  it('expects no fence for a paused agent whose held attempt ended before the pause took hold', async () => {
    const faults: CheckInput['faults'] = [
      {
        kind: 'agentPause',
        afterJobs: 0,
        at: 0,
        until: 0,
        target: 'a1',
        agentId: 'agent-1',
        held: [{ jobId: 'j1', attempt: 1 }],
        detail: '',
      },
    ];
    const result = await checkChaos(inputOf(history(), { faults }));
    expect(result.violations.join('\n')).not.toContain('no fence observed for');
  });

  it('accepts an agent giving up a reaped attempt on its own as its fence', async () => {
    const faults: CheckInput['faults'] = [
      {
        kind: 'agentPause',
        afterJobs: 0,
        at: 0,
        until: 0,
        target: 'a9',
        agentId: 'agent-9',
        held: [{ jobId: 'jx', attempt: 1 }],
        detail: '',
      },
    ];
    const h = history();
    h.attempts.push({ ...h.attempts[0]!, jobId: 'jx', attempt: 1, status: 'lost', agentId: 'agent-9' });
    const selfFenced = JSON.stringify({ msg: 'job abandoned, lease lost', reason: 'expired', jobId: 'jx', attempt: 1 });
    const unfenced = await checkChaos(inputOf(h, { faults }));
    expect(unfenced.violations.join('\n')).toContain('no fence observed for 1 attempts');
    const result = await checkChaos(inputOf(h, { faults, agentLogs: [selfFenced] }));
    expect(result.violations.join('\n')).not.toContain('no fence observed');
    expect(result.figures.fences.agentExpired).toBe(1);
  });

  it('reports runs that did not succeed and jobs left non-terminal', async () => {
    const h = history();
    h.runs[1]!.status = 'running';
    h.jobs[1]!.status = 'queued';
    const result = await checkChaos(inputOf(h));
    expect(result.figures.runs.lost).toBe(1);
    expect(result.figures.jobs.nonTerminal).toBe(1);
    expect(result.violations.join('\n')).toContain('non-terminal jobs');
  });

  it('reports a job re-run after a replica kill when no fault hit its agent, and not when one did', async () => {
    const replicaKill: CheckInput['faults'][number] = {
      kind: 'controllerReplicaKill',
      afterJobs: 0,
      at: 0,
      until: 0,
      target: 'controller-2',
      held: [],
      detail: '',
    };
    // j0's attempt 1 ran a step on agent-1 and ended lost.
    const rerun = await checkChaos(inputOf(history(), { faults: [replicaKill] }));
    expect(rerun.figures.rerunWithoutAgentFault).toBe(1);
    expect(rerun.violations.join('\n')).toContain('jobs re-run although no fault hit their agent');
    const agentCrash: CheckInput['faults'][number] = {
      ...replicaKill,
      kind: 'agentCrash',
      target: 'a1',
      agentId: 'agent-1',
    };
    const explained = await checkChaos(inputOf(history(), { faults: [replicaKill, agentCrash] }));
    expect(explained.figures.rerunWithoutAgentFault).toBe(0);
    expect(explained.violations.join('\n')).not.toContain('jobs re-run');
    // A lone controller's crash may outlast the fence: no verdict then.
    const lone = await checkChaos(
      inputOf(history(), { faults: [{ ...replicaKill, kind: 'controllerCrash' }], controllers: 1 }),
    );
    expect(lone.figures.rerunWithoutAgentFault).toBe(0);
  });

  it('prints how long work paused after each kind of fault', async () => {
    const fault: CheckInput['faults'][number] = {
      kind: 'postgresRestart',
      afterJobs: 0,
      at: -1000,
      until: -900,
      target: 'postgres',
      held: [],
      detail: '',
    };
    const result = await checkChaos(inputOf(history(), { faults: [fault] }));
    // The first attempt to finish after the fault (lost ones do not count) finished at 200 µs.
    expect(result.figures.workPausedMs).toEqual({ postgresRestart: 1000 });
  });
});
