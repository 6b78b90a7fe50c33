/**
 * Nothing lost, nothing run twice: lost agents, zombies, cancel, timeouts,
 * retries, drain and restarts, each driven on real processes.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import { afterEach, describe, expect, it } from 'vitest';
import { createGitRepo, type JobView, type RunView } from '../src/harness/index.js';
import { type Farm, type FarmOptions, farmLogs, startFarm } from './farm-fixture.js';
import { isGone, waitFor } from './wait.js';

const onlyJob = (run: RunView): JobView => run.stages[0]!.jobs[0]!;
const terminal = (run: RunView) => ['succeeded', 'failed', 'canceled', 'rejected'].includes(run.status);

function oneJobPipeline(steps: string[], extra = '') {
  const lines = steps.map((step) => `          - ${JSON.stringify(step)}`).join('\n');
  return `name: resilience\nstages:\n  - name: only\n    jobs:\n      - name: job\n${extra}        steps:\n${lines}\n`;
}

let farm: Farm | undefined;
async function farmWith(options: FarmOptions) {
  farm = await startFarm(options);
  return farm;
}
afterEach(async () => {
  await farm?.stop();
  farm = undefined;
});

async function trigger(current: Farm, pipeline: string, files: Record<string, string> = {}) {
  const repo = await createGitRepo({ '.gantry.yml': pipeline, ...files });
  const created = await current.client.POST('/api/runs', { body: { repo: repo.path, ref: 'main' } });
  expect(created.response.status).toBe(201);
  return created.data!.id;
}

describe('lost agents', () => {
  it('re-runs the job of a kill -9ed agent on another agent, and the run succeeds', async () => {
    const current = await farmWith({ agents: 2, slots: 1 });
    const marks = await mkdtemp(join(tmpdir(), 'gantry-marks-'));
    const runId = await trigger(
      current,
      oneJobPipeline([
        `touch ${marks}/started-$GANTRY_ATTEMPT`,
        '[ "$GANTRY_ATTEMPT" -ge 2 ] || sleep 1000',
        'echo "finished by attempt $GANTRY_ATTEMPT"',
      ]),
    );
    await waitFor('attempt 1 to start', () => existsSync(join(marks, 'started-1')));
    const first = onlyJob(await current.client.waitForRun(runId, (run) => onlyJob(run).agentId !== null));
    const victim = current.agents.find((agent) => agent.agentId === first.agentId)!;
    const killedAt = Date.now();
    await victim.kill9();

    const run = await current.client.waitForRun(runId, terminal, { timeoutMs: 60_000 });
    expect(run.status, farmLogs(current)).toBe('succeeded');
    const job = onlyJob(run);
    expect(job.attempt).toBe(2);
    expect(job.attempts.map((attempt) => attempt.status)).toEqual(['lost', 'succeeded']);
    expect(job.attempts[1]!.agentId).not.toBe(victim.agentId);
    const log = await current.client.readLog(runId, job.id);
    expect(log).toContain('finished by attempt 2');
    console.info(`kill -9 → attempt 2 started after ${Date.parse(job.attempts[1]!.startedAt) - killedAt} ms`);
  });

  it('catches a SIGSTOPped agent by its lease, re-runs the job, and fences the zombie when it wakes', async () => {
    const current = await farmWith({
      agents: 2,
      slots: 1,
      controllerEnv: { GANTRY_LEASE_TTL_MS: '3000', GANTRY_HEARTBEAT_INTERVAL_MS: '500' },
    });
    const marks = await mkdtemp(join(tmpdir(), 'gantry-marks-'));
    const runId = await trigger(
      current,
      oneJobPipeline([
        `touch ${marks}/started-$GANTRY_ATTEMPT`,
        `if [ "$GANTRY_ATTEMPT" = 1 ]; then while [ ! -f ${marks}/woken ]; do sleep 0.05; done; echo "zombie says hello"; fi`,
        'echo "finished by attempt $GANTRY_ATTEMPT"',
      ]),
    );
    await waitFor('attempt 1 to start', () => existsSync(join(marks, 'started-1')));
    const first = onlyJob(await current.client.waitForRun(runId, (run) => onlyJob(run).agentId !== null));
    const zombie = current.agents.find((agent) => agent.agentId === first.agentId)!;
    process.kill(zombie.pid, 'SIGSTOP');
    try {
      const run = await current.client.waitForRun(runId, terminal, { timeoutMs: 60_000 });
      expect(run.status, farmLogs(current)).toBe('succeeded');
      expect(onlyJob(run).attempts.map((attempt) => attempt.status)).toEqual(['lost', 'succeeded']);
    } finally {
      process.kill(zombie.pid, 'SIGCONT');
    }
    await writeFile(join(marks, 'woken'), '');
    await waitFor('the zombie to be fenced', () => /lease (lost|is no longer held)|stale/i.test(zombie.logs()), 30_000);
    const run = await current.client.waitForRun(runId, terminal);
    const log = await current.client.readLog(runId, onlyJob(run).id);
    expect(log).toContain('finished by attempt 2');
    expect(log).not.toContain('\nzombie says hello\n');
    const firstLog = await current.client.readLog(runId, onlyJob(run).id, 1);
    expect(firstLog).not.toContain('\nzombie says hello\n');
  });
});

describe('stopping jobs', () => {
  const processTree = (marks: string) =>
    `echo $$ > ${marks}/shell; (sleep 1000 & echo $! > ${marks}/child; wait) & touch ${marks}/started; wait`;

  async function pidsOf(marks: string) {
    const pidIn = async (file: string) => {
      const text = existsSync(join(marks, file)) ? (await readFile(join(marks, file), 'utf8')).trim() : '';
      return /^\d+$/.test(text) ? Number(text) : undefined;
    };
    return waitFor('the step to write its pids', async () => {
      const [shell, child] = [await pidIn('shell'), await pidIn('child')];
      return shell && child ? [shell, child] : undefined;
    });
  }

  it('cancels a running run and leaves no process of the job alive', async () => {
    const current = await farmWith({ agents: 1, slots: 1 });
    const marks = await mkdtemp(join(tmpdir(), 'gantry-marks-'));
    const runId = await trigger(
      current,
      `${oneJobPipeline([processTree(marks)])}  - name: later\n    jobs:\n      - { name: never, steps: ["true"] }\n`,
    );
    const pids = await pidsOf(marks);
    const canceled = await current.client.POST('/api/runs/{id}/cancel', { params: { path: { id: runId } } });
    expect(canceled.response.status).toBe(200);
    const run = await current.client.waitForRun(runId, terminal);
    expect(run.status).toBe('canceled');
    expect(onlyJob(run).status).toBe('canceled');
    expect(run.stages.map((stage) => stage.status)).toEqual(['canceled', 'skipped']);
    for (const pid of pids) await waitFor(`pid ${pid} to be gone`, () => isGone(pid), 30_000);
    const again = await current.client.POST('/api/runs/{id}/cancel', { params: { path: { id: runId } } });
    expect(again.response.status).toBe(409);
  });

  it('times a job out and kills its whole process group', async () => {
    const current = await farmWith({ agents: 1, slots: 1 });
    const marks = await mkdtemp(join(tmpdir(), 'gantry-marks-'));
    const runId = await trigger(current, oneJobPipeline([processTree(marks)], '        timeout: 10s\n'));
    const pids = await pidsOf(marks);
    const run = await current.client.waitForRun(runId, terminal);
    expect(run.status).toBe('failed');
    expect(onlyJob(run).status).toBe('timed_out');
    for (const pid of pids) await waitFor(`pid ${pid} to be gone`, () => isGone(pid), 30_000);
  });
});

describe('retries', () => {
  it('retries a failed job within retry.failed, keeping each attempt in the history', async () => {
    const current = await farmWith({ agents: 1, slots: 1 });
    const runId = await trigger(
      current,
      oneJobPipeline(
        ['echo "attempt $GANTRY_ATTEMPT"; [ "$GANTRY_ATTEMPT" -ge 2 ] || exit 7'],
        '        retry: { failed: 1 }\n',
      ),
    );
    const run = await current.client.waitForRun(runId, terminal);
    expect(run.status).toBe('succeeded');
    const job = onlyJob(run);
    expect(job.attempts.map((attempt) => attempt.status)).toEqual(['failed', 'succeeded']);
    const firstLog = await current.client.readLog(runId, job.id, 1);
    expect(firstLog).toContain('attempt 1');
  });

  it('re-opens a failed run when a job is retried by hand', async () => {
    const current = await farmWith({ agents: 1, slots: 1 });
    const marks = await mkdtemp(join(tmpdir(), 'gantry-marks-'));
    const runId = await trigger(
      current,
      `${oneJobPipeline([`test -f ${marks}/fixed`])}  - name: after\n    jobs:\n      - { name: next, steps: ["echo next ran"] }\n`,
    );
    const failed = await current.client.waitForRun(runId, terminal);
    expect(failed.status).toBe('failed');
    expect(failed.stages[1]!.status).toBe('skipped');
    await writeFile(join(marks, 'fixed'), '');
    const retried = await current.client.POST('/api/runs/{id}/jobs/{jobId}/retry', {
      params: { path: { id: runId, jobId: onlyJob(failed).id } },
    });
    expect(retried.response.status).toBe(200);
    const run = await current.client.waitForRun(runId, terminal);
    expect(run.status).toBe('succeeded');
    expect(run.stages.map((stage) => stage.status)).toEqual(['succeeded', 'succeeded']);
    expect(onlyJob(run).attempts.map((attempt) => attempt.status)).toEqual(['failed', 'succeeded']);
  });
});

describe('drain and restarts', () => {
  it('drains an agent: it finishes its job, takes no new one, and exits', async () => {
    const current = await farmWith({ agents: 1, slots: 1 });
    const marks = await mkdtemp(join(tmpdir(), 'gantry-marks-'));
    const runId = await trigger(
      current,
      oneJobPipeline([
        `touch ${marks}/started; while [ ! -f ${marks}/go ]; do sleep 0.05; done`,
        'echo drained job done',
      ]),
    );
    await waitFor('the job to start', () => existsSync(join(marks, 'started')));
    const agent = current.agents[0]!;
    const drained = await current.client.POST('/api/agents/{id}/drain', { params: { path: { id: agent.agentId! } } });
    expect(drained.response.status).toBe(202);
    await writeFile(join(marks, 'go'), '');
    const run = await current.client.waitForRun(runId, terminal);
    expect(run.status).toBe('succeeded');
    await waitFor('the drained agent to exit', () => isGone(agent.pid), 30_000);
    expect(agent.logs()).toContain('agent stopped');
  });

  it('loses nothing when the controller restarts mid-job', async () => {
    const current = await farmWith({ agents: 1, slots: 1 });
    const marks = await mkdtemp(join(tmpdir(), 'gantry-marks-'));
    const runId = await trigger(
      current,
      `${oneJobPipeline([`touch ${marks}/started; while [ ! -f ${marks}/go ]; do sleep 0.05; done`, 'echo survived'])}  - name: after\n    jobs:\n      - { name: next, steps: ["echo next ran"] }\n`,
    );
    await waitFor('the job to start', () => existsSync(join(marks, 'started')));
    await current.controller.kill9();
    await current.controller.restart();
    await writeFile(join(marks, 'go'), '');
    const run = await current.client.waitForRun(runId, terminal);
    expect(run.status, farmLogs(current)).toBe('succeeded');
    expect(onlyJob(run).attempts.map((attempt) => attempt.status)).toEqual(['succeeded']);
    const log = await current.client.readLog(runId, onlyJob(run).id);
    expect(log).toContain('survived');
  });

  it('keeps dispatching after nats-server is killed and restarted', async () => {
    const current = await farmWith({ agents: 1, slots: 1 });
    await current.nats.kill9();
    await current.nats.restart();
    const runId = await trigger(current, oneJobPipeline(['echo after the outage']));
    const run = await current.client.waitForRun(runId, terminal, { timeoutMs: 90_000 });
    expect(run.status, farmLogs(current)).toBe('succeeded');
  });
});

describe('offers lost inside NATS', () => {
  it('re-publishes an offer missing from the stream, once, and the job runs', async () => {
    const current = await farmWith({ agents: 0, controllerEnv: { GANTRY_REPUBLISH_AFTER_MS: '500' } });
    const runId = await trigger(current, oneJobPipeline(['echo ran after all']));
    await current.client.waitForRun(runId, (run) => run.stages[0]?.jobs[0]?.status === 'queued');
    const connection = await connect({ servers: current.nats.url });
    try {
      const streams = (await connection.jetstreamManager()).streams;
      const offers = async () =>
        (await streams.info('GANTRY_JOBS', { subjects_filter: 'gantry.jobs.default' })).state.subjects?.[
          'gantry.jobs.default'
        ] ?? 0;
      await waitFor('the offer to be published', async () => (await offers()) === 1);
      await streams.purge('GANTRY_JOBS', { filter: 'gantry.jobs.default' });
      await waitFor('the lost offer to be re-published', () =>
        current.controller.logs().includes('offers missing from the stream, re-published'),
      );
      // The log line comes as the outbox rows are marked; the relay publishes them right after.
      await waitFor('the offer to be in the stream again', async () => (await offers()) === 1);
      await current.addAgent();
      const run = await current.client.waitForRun(runId, terminal);
      expect(run.status, farmLogs(current)).toBe('succeeded');
      expect(onlyJob(run).attempts).toHaveLength(1);
    } finally {
      await connection.close();
    }
  });
});

describe('idempotent triggers', () => {
  it('maps concurrent triggers with one Idempotency-Key to one run', async () => {
    const current = await farmWith({ agents: 1, slots: 1 });
    const repo = await createGitRepo({ '.gantry.yml': oneJobPipeline(['true']) });
    const send = () =>
      current.client.POST('/api/runs', {
        body: { repo: repo.path, ref: 'main' },
        params: { header: { 'idempotency-key': 'push-1234' } },
      });
    const answers = await Promise.all([send(), send(), send()]);
    const ids = new Set(answers.map((answer) => answer.data?.id));
    expect(ids.size).toBe(1);
    expect(answers.map((answer) => answer.response.status).sort()).toEqual([200, 200, 201]);
    const list = await current.client.GET('/api/runs');
    expect(list.data!.runs.filter((run) => ids.has(run.id))).toHaveLength(1);
  });
});
