/**
 * Jobs that are big in steps or in output, on real processes: a 200,000-step
 * job is canceled promptly with bounded memory on both sides, a job that
 * prints past the per-job log cap succeeds with its log cut at the cap, and a
 * long log (sent compressed) reads back the same before and after archiving.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitRepo, type RunView } from '../src/harness/index.js';
import { type Farm, farmLogs, startFarm } from './farm-fixture.js';
import { waitFor, waitLogArchived } from './wait.js';

const maxLogBytes = 1024 * 1024;
/**
 * Resident memory bounds while the job runs and is canceled. The controller
 * has just planned a 1.6 MB pipeline file of 200,000 steps, and the YAML
 * document model it parsed leaves its heap at 350–500 MiB (V8 keeps the pages);
 * a controller that kept something per step reported (seen before the fix:
 * 1.1 GB) would go over it. The agent never parses the file.
 */
const maxRssMiB = { controller: 768, agent: 400 };

const onlyJob = (run: RunView) => run.stages[0]?.jobs[0];
const terminal = (run: RunView) => ['succeeded', 'failed', 'canceled', 'rejected'].includes(run.status);

function oneJobPipeline(steps: string[]): string {
  return `name: big\nstages:\n  - name: only\n    jobs:\n      - name: job\n        steps: [${steps.map((step) => JSON.stringify(step)).join(', ')}]\n`;
}

/** Resident memory of a process in MiB, from /proc/<pid>/status. */
function rssMiB(pid: number): number {
  const kib = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kib) / 1024;
}

/** Pids of live processes started for this job (they carry GANTRY_JOB_ID in their environment). */
function processesOfJob(jobId: string): number[] {
  const marker = `\0GANTRY_JOB_ID=${jobId}\0`;
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (`\0${readFileSync(`/proc/${entry}/environ`, 'latin1')}`.includes(marker)) found.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

let farm: Farm;
beforeAll(async () => {
  farm = await startFarm({
    agents: 1,
    slots: 1,
    controllerEnv: {
      GANTRY_MAX_LOG_BYTES_PER_JOB: String(maxLogBytes),
      // The default limits refuse a job this big; these raise them (ignored where unknown).
      GANTRY_MAX_STEPS_PER_JOB: '250000',
      GANTRY_MAX_PIPELINE_BYTES: String(16 * 1024 * 1024),
      GANTRY_MAX_JOB_SPEC_BYTES: String(16 * 1024 * 1024),
    },
  });
});
afterAll(async () => {
  await farm?.stop();
});

async function trigger(pipeline: string): Promise<string> {
  const repo = await createGitRepo({ '.gantry.yml': pipeline });
  const created = await farm.client.POST('/api/runs', { body: { repo: repo.path, ref: 'main' } });
  expect(created.response.status).toBe(201);
  return created.data!.id;
}

async function logOf(runId: string, jobId: string): Promise<string> {
  return farm.client.readLog(runId, jobId);
}

describe('big jobs', () => {
  it('cancels a running 200,000-step job promptly; no process of it remains and memory stays bounded', async () => {
    const runId = await trigger(oneJobPipeline(Array.from({ length: 200_000 }, () => 'true')));
    const running = await farm.client.waitForRun(runId, (run) => onlyJob(run)?.status === 'running', {
      timeoutMs: 90_000,
    });
    const jobId = onlyJob(running)?.id as string;
    await waitFor('some steps to run', async () => (await logOf(runId, jobId)).split('$ true\n').length > 20, 90_000);

    // From here on the farm works through steps, is canceled and settles: sample both processes throughout.
    const peak = { controller: 0, agent: 0 };
    const agentPid = farm.agents[0]?.pid as number;
    const sample = () => {
      peak.controller = Math.max(peak.controller, rssMiB(farm.controller.pid));
      peak.agent = Math.max(peak.agent, rssMiB(agentPid));
    };
    sample();
    const sampler = setInterval(sample, 100);
    try {
      const canceled = await farm.client.POST('/api/runs/{id}/cancel', { params: { path: { id: runId } } });
      expect(canceled.response.status).toBe(200);
      const run = await farm.client.waitForRun(runId, terminal, { intervalMs: 100 });
      expect(run.status, farmLogs(farm)).toBe('canceled');
      expect(onlyJob(run)?.status).toBe('canceled');
      await waitFor('the job processes to be gone', () => processesOfJob(jobId).length === 0);
      sample();
    } finally {
      clearInterval(sampler);
    }
    expect(peak.controller).toBeLessThan(maxRssMiB.controller);
    expect(peak.agent).toBeLessThan(maxRssMiB.agent);
    const log = await logOf(runId, jobId);
    expect(log.startsWith('$ true\n')).toBe(true);
    expect(log.split('$ true\n').length - 1).toBeLessThan(200_000);
  });

  it('stores a job’s output up to the cap, ends the log with a line saying it was cut, and the job succeeds', async () => {
    const runId = await trigger(
      oneJobPipeline(['head -c 5000000 /dev/zero | tr "\\0" x; echo', 'echo "second step ran"']),
    );
    const run = await farm.client.waitForRun(runId, terminal);
    expect(run.status, farmLogs(farm)).toBe('succeeded');
    const log = await logOf(runId, onlyJob(run)?.id as string);
    const cutLine = '[gantry] log cut at 1 MiB (GANTRY_MAX_LOG_BYTES_PER_JOB); the job goes on\n';
    expect(log.endsWith(`x\n${cutLine}`)).toBe(true);
    expect(Buffer.byteLength(log)).toBe(maxLogBytes + 1 + cutLine.length);
    expect(log).not.toContain('second step ran');
  });

  it('serves a long log byte for byte and its tail, while in the database and once archived', async () => {
    // About 800 KB of numbered lines: long chunks the agent sends compressed.
    const lines = 120_000;
    const numbers = Array.from({ length: lines }, (_, n) => `${n + 1}\n`).join('');
    const expected = `$ seq 1 ${lines}\n${numbers}`;
    const runId = await trigger(oneJobPipeline([`seq 1 ${lines}`]));
    const run = await farm.client.waitForRun(runId, terminal);
    expect(run.status, farmLogs(farm)).toBe('succeeded');
    const jobId = onlyJob(run)?.id as string;
    const tail = async () => {
      const answer = await farm.client.GET('/api/runs/{id}/jobs/{jobId}/log', {
        params: { path: { id: runId, jobId }, query: { tailBytes: 100_000 } },
        parseAs: 'text',
      });
      return { text: answer.data, offset: Number(answer.response.headers.get('x-gantry-log-offset')) };
    };
    const before = await tail();
    expect(before.text).toBe(expected.slice(before.offset));
    expect(before.offset).toBeGreaterThanOrEqual(expected.length - 100_000);
    await waitLogArchived(farm.databaseUrl, jobId);
    expect(await logOf(runId, jobId)).toBe(expected);
    expect(await tail()).toEqual(before);
  });
});
