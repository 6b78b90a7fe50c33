/**
 * The job runner against an in-memory controller client: what it sends, and
 * in which order, around the end of a job.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobSpec__Output } from '@gantry/proto';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import type { GitCheckout } from '../checkout/git-checkout.js';
import { ControllerCallError, type ControllerClient } from '../controller-client.js';
import { groupAlive, signalGroup } from '../executor/process-groups.js';
import type { LogChunkSender, OutgoingLogChunk } from '../logs/log-streamer.js';
import { untilChildOf } from '../testing/process-polls.js';
import { JobRunner } from './job-runner.js';

const root = mkdtempSync(join(tmpdir(), 'gantry-runner-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const lease = { jobId: 'job-1', attempt: 1, leaseToken: 'lease-1' };

function jobSpec(steps: string[]): JobSpec__Output {
  return {
    runId: 'run-1',
    jobId: lease.jobId,
    attempt: 1,
    name: 'build',
    stage: 'test',
    repoUrl: 'unused',
    ref: 'refs/heads/main',
    sha: 'a'.repeat(40),
    steps,
    env: {},
    timeoutMs: 0,
    stepTimeoutsMs: [],
    artifacts: [],
    artifactsWhen: 'on_success',
    needsArtifacts: [],
    caches: [],
    junitReports: [],
    pipeline: 'app',
    branch: 'main',
    tag: '',
  } as JobSpec__Output;
}

/** Records calls in order; each method can be replaced. */
function fakeController() {
  const calls: string[] = [];
  const chunks: OutgoingLogChunk[] = [];
  const client = {
    heartbeat: async () => {
      calls.push('Heartbeat');
      return { cancelRequested: false };
    },
    reportSteps: async (request: { steps: Array<{ stepIndex: number; state: string }> }) => {
      calls.push(`ReportSteps ${request.steps.map((step) => `${step.stepIndex}:${step.state}`).join(' ')}`);
    },
    finishJob: async (request: { result: string }) => {
      calls.push(`FinishJob ${request.result}`);
    },
    openLogStream: (): LogChunkSender => ({
      send: (chunk) => {
        chunks.push(chunk);
        return true;
      },
      waitDrain: () => Promise.resolve(),
      finish: async () => {
        calls.push('StreamLogs');
        return chunks.at(-1)?.seq ?? -1;
      },
      abort: () => {},
    }),
  };
  return { client, calls, chunks };
}

/** No repository: the workspace is just a directory. */
const makeWorkspace = async ({ workspace }: { workspace: string }) => {
  mkdirSync(workspace, { recursive: true });
};

function newRunner(controller: unknown, workDir: string, makeCheckout = makeWorkspace, killGraceMs = 100) {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const checkout = { checkout: makeCheckout, release: () => {}, forget: () => {}, idle: async () => {} };
  const runner = new JobRunner({
    controller: controller as ControllerClient,
    checkout: checkout as unknown as GitCheckout,
    workDir,
    baseEnv: { PATH: process.env.PATH ?? '' },
    killGraceMs,
    heartbeatIntervalMs: 1,
    leaseTtlMs: 60_000,
    logger,
  });
  return { runner, lines };
}

describe('JobRunner', () => {
  it('sends no heartbeat after FinishJob, and a late refusal of one in flight does not fail the job', async () => {
    const workDir = join(root, 'late-heartbeat');
    const gate = join(root, 'late-heartbeat.gate');
    const { client, calls } = fakeController();
    let finishSent!: () => void;
    const finishJobSent = new Promise<void>((resolve) => {
      finishSent = resolve;
    });
    // The first heartbeat is answered only after FinishJob was sent, and then refused as stale:
    // what the controller does to a heartbeat that lands after the job finished.
    client.heartbeat = async () => {
      calls.push('Heartbeat');
      writeFileSync(gate, '');
      await finishJobSent;
      throw new ControllerCallError('Heartbeat', 'FAILED_PRECONDITION', 'stale lease');
    };
    client.finishJob = async (request) => {
      calls.push(`FinishJob ${request.result}`);
      finishSent();
      // Answered after the heartbeat's refusal has been seen.
      await new Promise((resolve) => setImmediate(resolve));
    };
    const { runner, lines } = newRunner(client, workDir);
    // The step ends only once a heartbeat is in flight.
    await runner.run(lease, jobSpec([`until [ -e ${gate} ]; do sleep 0.01; done`]));

    expect(calls.filter((c) => c === 'Heartbeat')).toHaveLength(1);
    expect(calls.slice(calls.indexOf('FinishJob succeeded'))).toEqual(['FinishJob succeeded']);
    expect(lines.some((l) => l.msg === 'lease lost, killing job')).toBe(false);
    expect(lines.find((l) => l.msg === 'job finished')).toMatchObject({ result: 'succeeded', reported: true });
  });

  it('runs the next job’s first step in a bash its job shell started after the job before was reported finished', async () => {
    const workDir = join(root, 'ahead');
    const { client, calls, chunks } = fakeController();
    const { runner } = newRunner(client, workDir);
    try {
      await runner.run(lease, jobSpec(['echo "shell=$PPID"']));
      const shell = Number(/shell=(\d+)/.exec(chunks.map((chunk) => chunk.data).join(''))?.[1]);
      expect(calls.at(-1)).toBe('FinishJob succeeded');
      // A moment after the finish, the idle shell starts the bash of its next attempt's first step.
      const waiting = await untilChildOf(shell);
      chunks.length = 0;
      await runner.run({ ...lease, jobId: 'job-2' }, jobSpec(['echo "step=$$ shell=$PPID"']));
      expect(chunks.map((chunk) => chunk.data).join('')).toContain(`\nstep=${waiting} shell=${shell}\n`);
    } finally {
      runner.closeShells();
    }
  });

  it('runs every step in one job shell: each step starts where the job started, with its own variables', async () => {
    const workDir = join(root, 'one-shell');
    const { client, calls, chunks } = fakeController();
    const { runner } = newRunner(client, workDir);
    await runner.run(
      lease,
      jobSpec([
        'cd /; FOO=set-in-step-1; echo "shell=$PPID"',
        'echo "pwd=$(pwd) foo=$(printenv FOO || echo unset) shell=$PPID"; printf no-newline',
        'echo last >&2',
      ]),
    );
    expect(calls.at(-1)).toBe('FinishJob succeeded');
    const byStep = new Map<number, string>();
    for (const chunk of chunks) byStep.set(chunk.stepIndex, (byStep.get(chunk.stepIndex) ?? '') + chunk.data);
    const [first, second, third] = [0, 1, 2].map((i) => byStep.get(i) ?? '');
    const shell = /shell=(\d+)/.exec(first ?? '')?.[1];
    expect(first).toMatch(/^\$ cd \/; FOO=set-in-step-1; echo "shell=\$PPID"\nshell=\d+\n$/);
    // The attempt's own workspace, named so that no other attempt ever gets it.
    const workspaces = `${join(workDir, 'workspaces')}/job-1-1-[0-9a-f]{12}`;
    expect(second).toMatch(
      new RegExp(`^\\$ echo "pwd=\\$\\(pwd\\) foo=.*\\npwd=${workspaces} foo=unset shell=${shell}\\nno-newline$`),
    );
    expect(third).toBe('$ echo last >&2\nlast\n');
    // Offsets are gapless over the whole log: no marker bytes were counted.
    const total = chunks.reduce((sum, chunk) => {
      expect(chunk.offset).toBe(sum);
      return sum + chunk.data.length;
    }, 0);
    expect(total).toBe(Buffer.byteLength(`${first}${second}${third}`));
  });

  it('gives each attempt an empty private TMPDIR, the same directory again once the last attempt is done', async () => {
    const workDir = join(root, 'tmpdir');
    const { client, chunks } = fakeController();
    const { runner } = newRunner(client, workDir);
    const report = 'echo "tmp=$TMPDIR mode=$(stat -c %a "$TMPDIR") files=$(ls -A "$TMPDIR" | tr "\\n" ,)"';
    const litter = 'mkdir -p "$TMPDIR/sub/deeper" && touch "$TMPDIR/left" "$TMPDIR/sub/deeper/behind"';
    await runner.run(lease, jobSpec([report, litter]));
    await runner.idle();
    await runner.run({ ...lease, attempt: 2 }, jobSpec([report]));
    await runner.idle();
    const reports =
      chunks
        .map((chunk) => String(chunk.data))
        .join('')
        .match(/^tmp=.*$/gm) ?? [];
    expect(reports).toHaveLength(2);
    const [first, second] = reports;
    expect(first).toMatch(new RegExp(`^tmp=${join(workDir, 'tmp')}/job-1-1-[0-9a-f]{12} mode=700 files=$`));
    // What the first attempt left is gone; the directory is the same.
    expect(second).toBe(first);
  });

  describe('an attempt the agent cannot carry out fails at once, saying why', () => {
    /** A runner whose FinishJob requests are recorded. */
    function recordingRunner(
      client: ReturnType<typeof fakeController>['client'],
      workDir: string,
      makeCheckout = makeWorkspace,
    ) {
      const finished: Array<{ result: string; message?: string }> = [];
      client.finishJob = async (request: { result: string; message?: string }) => {
        finished.push(request);
      };
      const { runner } = newRunner(client, workDir, makeCheckout);
      return { finished, run: (steps: string[]) => runner.run(lease, jobSpec(steps)) };
    }

    it('a workspace that cannot be made', async () => {
      const { client, chunks } = fakeController();
      const { finished, run } = recordingRunner(client, join(root, 'no-workspace'), () =>
        Promise.reject(new Error('EACCES: permission denied, mkdir')),
      );
      await run(['echo never']);
      expect(finished).toEqual([
        expect.objectContaining({ result: 'failed', message: 'EACCES: permission denied, mkdir' }),
      ]);
      expect(chunks.map((chunk) => chunk.data.toString()).join('')).toBe('EACCES: permission denied, mkdir\n');
    });

    it('a step report the controller refuses as invalid stops the step', async () => {
      const { client, calls } = fakeController();
      client.reportSteps = async (request: { steps: Array<{ stepIndex: number; state: string }> }) => {
        calls.push(`ReportSteps ${request.steps.map((step) => `${step.stepIndex}:${step.state}`).join(' ')}`);
        throw new ControllerCallError('ReportSteps', 'INVALID_ARGUMENT', 'step index 0 out of range');
      };
      const { finished, run } = recordingRunner(client, join(root, 'refused-report'));
      await run(['sleep 60', 'echo never']);
      expect(finished).toEqual([
        expect.objectContaining({
          result: 'failed',
          message: 'controller refused a report of the steps: ReportSteps: INVALID_ARGUMENT: step index 0 out of range',
        }),
      ]);
      // Refusals are not retried.
      expect(calls.filter((call) => call === 'ReportSteps 0:running')).toHaveLength(1);
    });

    it('a log chunk the controller refuses as too large stops the job', async () => {
      const { client } = fakeController();
      const failureListeners: Array<(error: unknown) => void> = [];
      let opened = 0;
      client.openLogStream = () => {
        opened++;
        return {
          send: () => {
            const tooLarge = new ControllerCallError(
              'StreamLogs',
              'RESOURCE_EXHAUSTED',
              'Received message larger than max',
            );
            for (const notify of failureListeners.splice(0)) notify(tooLarge);
            return true;
          },
          waitDrain: () => Promise.resolve(),
          finish: () => Promise.reject(new Error('stream failed')),
          abort: () => {},
          onFailure: (notify: (error: unknown) => void) => failureListeners.push(notify),
        } as LogChunkSender;
      };
      const { finished, run } = recordingRunner(client, join(root, 'refused-log'));
      await run(['echo output; sleep 60']);
      expect(finished).toEqual([
        expect.objectContaining({
          result: 'failed',
          message: 'controller refused the job log: StreamLogs: RESOURCE_EXHAUSTED: Received message larger than max',
        }),
      ]);
      expect(opened).toBe(1);
    });
  });

  it('reports many short steps in a few batched calls, each step once with its end state', {
    timeout: 60_000,
  }, async () => {
    const workDir = join(root, 'many-steps');
    const { client, calls, chunks } = fakeController();
    const count = 50;
    // The first report is answered only once the last step has begun: meanwhile the others wait, merged.
    let first = true;
    const reportSteps = client.reportSteps;
    client.reportSteps = async (request) => {
      if (first) {
        first = false;
        while (!chunks.some((chunk) => chunk.stepIndex === count - 1)) await new Promise((r) => setTimeout(r, 5));
      }
      await reportSteps(request);
    };
    const { runner } = newRunner(client, workDir);
    await runner.run(lease, jobSpec(Array.from({ length: count }, () => 'true')));

    expect(calls.at(-1)).toBe('FinishJob succeeded');
    const reports = calls.filter((call) => call.startsWith('ReportSteps '));
    const latest = new Map<string, string>();
    for (const report of reports) {
      for (const entry of report.slice('ReportSteps '.length).split(' ')) {
        const [index, state] = entry.split(':');
        latest.set(index as string, state as string);
      }
    }
    expect(latest.size).toBe(count);
    expect(new Set(latest.values())).toEqual(new Set(['succeeded']));
    // Step 0's start; then everything up to the last step; then perhaps the last step's end.
    expect(reports.length).toBeLessThanOrEqual(3);
  });

  describe('a step canceled and within its SIGTERM grace', () => {
    it.each([
      { end: 'a lost lease', logged: 'job abandoned, lease lost' },
      { end: 'an agent stop', logged: 'job killed, not reported' },
    ])('is killed at once by $end, and the attempt is not reported', async ({ end, logged }) => {
      const workDir = join(root, `kill-after-cancel-${end.replaceAll(' ', '-')}`);
      const { client, calls } = fakeController();
      let leaseLost = false;
      client.heartbeat = async () => {
        calls.push('Heartbeat');
        if (leaseLost) throw new ControllerCallError('Heartbeat', 'FAILED_PRECONDITION', 'stale lease');
        return { cancelRequested: false };
      };
      // An hour of grace: the attempt ends within the test only if the kill does not wait for it.
      const { runner, lines } = newRunner(client, workDir, makeWorkspace, 3_600_000);
      let stepGroup = 0;
      const openLogStream = client.openLogStream;
      client.openLogStream = () => {
        const sender = openLogStream();
        return {
          ...sender,
          send: (chunk) => {
            const sent = sender.send(chunk);
            const text = String(chunk.data);
            const announced = /^group=(\d+)$/m.exec(text);
            if (announced) {
              stepGroup = Number(announced[1]);
              expect(runner.cancel(lease.jobId, lease.attempt)).toBe(true);
            }
            // The step survived the cancel's SIGTERM: it is within its grace when the kill comes.
            if (/^stopping$/m.test(text)) {
              if (end === 'a lost lease') leaseLost = true;
              else runner.killAll();
            }
            return sent;
          },
        };
      };
      try {
        // The step forks nothing, so the cancel's TERM cannot miss a child bash would wait for before its trap.
        await runner.run(lease, jobSpec([`trap 'echo stopping' TERM; echo "group=$$"; while :; do :; done`]));
        expect(groupAlive(stepGroup)).toBe(false);
        expect(calls.filter((call) => call.startsWith('FinishJob'))).toEqual([]);
        expect(lines.some((line) => line.msg === logged)).toBe(true);
      } finally {
        signalGroup(stepGroup, 'SIGKILL');
      }
    });
  });

  it('sends no output past the cap plus one byte, and the job goes on to succeed', async () => {
    const workDir = join(root, 'log-cap');
    const { client, calls, chunks } = fakeController();
    const { runner } = newRunner(client, workDir);
    await runner.run(lease, jobSpec(['head -c 200000 /dev/zero | tr "\\0" x', 'echo after-the-cap']), {
      maxLogBytes: 1000,
    });

    expect(calls.at(-1)).toBe('FinishJob succeeded');
    const sent = Buffer.concat(chunks.map((chunk) => chunk.data));
    expect(sent.length).toBe(1001);
    expect(calls.filter((call) => call.startsWith('ReportSteps ')).join(' ')).toContain('1:succeeded');
  });
});
