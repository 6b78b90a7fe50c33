/**
 * `gantry logs` against a real farm: following a running job's output as it
 * is printed, and printing a large log with bounded memory. Also the log
 * route's answers to a bad or unknown attempt.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitRepo, type RunView } from '../src/harness/index.js';
import { type Farm, farmLogs, startFarm } from './farm-fixture.js';
import { waitFor } from './wait.js';

const gantryBin = fileURLToPath(new URL('../../bin/gantry.mjs', import.meta.url));
const reportMaxRss = fileURLToPath(new URL('./fixtures/report-max-rss.cjs', import.meta.url));

/** A `gantry` CLI process whose stdout is counted, not kept: its length, its last bytes, and whether it contains `watch`. */
function runCli(args: string[], env: Record<string, string>, watch: string[] = []) {
  const child = spawn(process.execPath, ['--require', reportMaxRss, gantryBin, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let bytes = 0;
  let tail = '';
  let stderr = '';
  const seen = new Set<string>();
  child.stdout.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    tail = (tail + chunk.toString('latin1')).slice(-4096);
    for (const text of watch) if (tail.includes(text)) seen.add(text);
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, stats: () => ({ bytes, tail, stderr }), seen };
}

function onlyJob(run: RunView) {
  const job = run.stages[0]?.jobs[0];
  if (!job) throw new Error(`run ${run.id} has no job`);
  return job;
}

describe('gantry logs', () => {
  let farm: Farm;
  let env: Record<string, string>;
  beforeAll(async () => {
    farm = await startFarm({ agents: 1, slots: 1 });
    const maxRssFile = join(await mkdtemp(join(tmpdir(), 'gantry-cli-logs-')), 'max-rss');
    env = { GANTRY_URL: farm.controller.httpUrl, GANTRY_TOKEN: farm.adminToken, GANTRY_TEST_MAX_RSS_FILE: maxRssFile };
  });
  afterAll(async () => {
    await farm?.stop();
  });

  it('--follow prints what a running job prints after the command started, and exits when the job ends', async () => {
    const barrier = join(await mkdtemp(join(tmpdir(), 'gantry-barrier-')), 'release');
    const repo = await createGitRepo({
      '.gantry.yml': `name: follow
stages:
  - name: build
    jobs:
      - name: slow
        steps:
          - echo before-the-$((1 + 1))-barrier
          - for i in $(seq 1200); do [ -e ${barrier} ] && break; sleep 0.1; done; echo after-the-$((2 + 1))-barrier
          - exit 3
`,
    });
    const created = await farm.client.POST('/api/runs', { body: { repo: repo.path, ref: 'main' } });
    const runId = created.data!.id;
    const running = await farm.client.waitForRun(runId, (run) => run.stages[0]?.jobs[0]?.status === 'running', {
      timeoutMs: 60_000,
    });
    const job = onlyJob(running);

    const cli = runCli(['logs', runId, 'slow', '--follow'], env, ['before-the-2-barrier', 'after-the-3-barrier']);
    await waitFor('the CLI to print the output so far', () => cli.seen.has('before-the-2-barrier'));
    expect(cli.seen.has('after-the-3-barrier')).toBe(false);
    await writeFile(barrier, '');

    const code = await cli.exited;
    expect(cli.stats().stderr, farmLogs(farm)).toBe('');
    expect(cli.seen.has('after-the-3-barrier')).toBe(true);
    // The job failed (exit 3), and `--follow` says so with its exit code.
    expect(code).toBe(1);
    const done = await farm.client.waitForRun(runId, (run) => run.status === 'failed');
    expect(onlyJob(done).id).toBe(job.id);
  });

  it('prints a 200 MB log whole, with the CLI staying under 150 MB of memory', async () => {
    const lines = 2_000_000;
    const repo = await createGitRepo({
      '.gantry.yml': `name: big
stages:
  - name: build
    jobs:
      - name: noisy
        timeout: 10m
        steps:
          - awk 'BEGIN { for (i = 0; i < ${lines}; i++) printf "%099d\\n", i }'
`,
    });
    const created = await farm.client.POST('/api/runs', { body: { repo: repo.path, ref: 'main' } });
    const done = await farm.client.waitForRun(created.data!.id, (run) => ['succeeded', 'failed'].includes(run.status), {
      timeoutMs: 300_000,
    });
    expect(done.status, farmLogs(farm)).toBe('succeeded');

    const cli = runCli(['logs', created.data!.id, 'noisy'], env);
    expect(await cli.exited).toBe(0);
    const { bytes, tail, stderr } = cli.stats();
    expect(stderr).toBe('');
    expect(bytes).toBeGreaterThanOrEqual(lines * 100);
    expect(tail.endsWith(`${String(lines - 1).padStart(99, '0')}\n`)).toBe(true);
    const maxRssKiB = Number(await readFile(env.GANTRY_TEST_MAX_RSS_FILE as string, 'utf8'));
    expect(maxRssKiB).toBeGreaterThan(0);
    expect(maxRssKiB).toBeLessThan(150 * 1024);
  }, 400_000);

  it('answers 400 for an attempt out of bounds and 404 for one that does not exist, before any body', async () => {
    const runs = await farm.client.GET('/api/runs');
    const runId = runs.data!.runs[0]!.id;
    const run = await farm.client.GET('/api/runs/{id}', { params: { path: { id: runId } } });
    const jobId = onlyJob(run.data!).id;
    const logOf = (query: string) =>
      fetch(`${farm.controller.httpUrl}/api/runs/${runId}/jobs/${jobId}/log${query}`, {
        headers: { authorization: `Bearer ${farm.adminToken}` },
      });
    for (const [query, status, code] of [
      ['?attempt=99999999999', 400, 'INVALID_INPUT'],
      ['?attempt=0', 400, 'INVALID_INPUT'],
      ['?attempt=1.5', 400, 'INVALID_INPUT'],
      ['?attempt=7', 404, 'NOT_FOUND'],
      ['?follow=maybe', 400, 'INVALID_INPUT'],
    ] as const) {
      const response = await logOf(query);
      expect([query, response.status]).toEqual([query, status]);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe(code);
    }
    const finished = await logOf('?attempt=1&follow=1');
    expect(finished.status).toBe(200);
    expect((await finished.text()).length).toBeGreaterThan(0);
  });
});
