/**
 * 7. Caches on a real project: bench/fixtures/cache-project (five npm
 * dependencies, 36 packages, installed by `npm ci --offline` from this
 * machine's npm cache) is tested by three parallel jobs, each installing and
 * then running its part of the suite. The pipeline caches node_modules keyed
 * by package-lock.json and installs only when nothing was restored. The first
 * run is cold (every job misses, installs and saves), the second warm (every
 * job restores). The baseline is the same steps run directly in a temporary
 * copy, in the same bench run: one install, then the three parts one after
 * the other. Figures are run wall times (created → finished).
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type Farm, isoMs, pipelineFile, type RunDetail, withFarm } from '../farm.js';
import { progress } from '../report.js';
import type { Scenario, ScenarioContext } from './types.js';

const execFileAsync = promisify(execFile);
const fixtureDir = fileURLToPath(new URL('../../fixtures/cache-project/', import.meta.url));
const INSTALL =
  'if [ -d node_modules ]; then echo "node_modules restored"; else npm ci --offline --no-audit --no-fund; fi';
const PARTS = ['unit', 'acceptance', 'lint'];

export const cacheScenario: Scenario = {
  name: 'cache',
  description: 'a real npm project tested by 3 parallel jobs, cold then warm cache, vs install + suite run directly',
  run: runCache,
};

async function runCache(context: ScenarioContext): Promise<void> {
  const { report } = context;
  const files: Record<string, string> = {
    '.gantry.yml': pipelineFile({
      name: 'bench-cache',
      cache: { key: { files: ['package-lock.json'], prefix: 'node' }, paths: ['node_modules'] },
      stages: [
        { name: 'test', jobs: PARTS.map((part) => ({ name: part, steps: [INSTALL, `node suite.mjs ${part}`] })) },
      ],
    }),
  };
  for (const name of await readdir(fixtureDir)) files[name] = await readFile(join(fixtureDir, name), 'utf8');
  await withFarm(
    {
      name: 'cache',
      postgres: context.postgres,
      database: 'postgres',
      files,
      agents: 2,
      slots: 2,
      profileDir: context.profileDir,
    },
    async (farm) => {
      const sha = farm.repo.sha;
      // Warm the agents' repository caches so the cold run pays for the install, not the first clone.
      const warm = await farm.commit({
        '.gantry.yml': pipelineFile({ name: 'warm', stages: [{ name: 's', jobs: [{ name: 'j', steps: ['true'] }] }] }),
      });
      await farm.waitRun((await farm.trigger(warm)).id, { timeoutMs: 120_000 });

      progress('cache: cold run (every job installs and saves)');
      const cold = await timedRun(farm, sha, 'miss');
      progress('cache: warm run (every job restores)');
      const warmRun = await timedRun(farm, sha, 'hit');
      progress('cache: the same install and suite run directly');
      const directMs = await runDirectly();

      const baselineWhat = 'npm ci --offline, then the 3 suite parts one after the other, run directly';
      report.figure({ name: 'cache_cold_run_ms', unit: 'ms', value: cold.ms, baseline: directMs, baselineWhat });
      report.figure({
        name: 'cache_warm_run_ms',
        unit: 'ms',
        value: warmRun.ms,
        baseline: directMs,
        baselineWhat,
        target: { op: '<=', value: 1 },
        targetOnRatio: true,
      });
      report.diagnostic('cache_warm_vs_cold_ratio', warmRun.ms / cold.ms);
      report.diagnostic('cache_archive_bytes', cold.savedBytes);
      report.diagnostic('cache_restore_ms_max', warmRun.restoreMsMax);
      report.diagnostic('cache_save_ms_max', cold.saveMsMax);
    },
  );
}

interface TimedRun {
  ms: number;
  savedBytes: number;
  restoreMsMax: number;
  saveMsMax: number;
}

/** Runs the pipeline at `sha`, checking every job's cache restore was `expected`. */
async function timedRun(farm: Farm, sha: string, expected: 'hit' | 'miss'): Promise<TimedRun> {
  const { id } = await farm.trigger(sha);
  await farm.waitRun(id, { intervalMs: 100, firstDelayMs: 200, timeoutMs: 600_000 });
  const response = await farm.client.GET('/api/runs/{id}', { params: { path: { id } } });
  const run = response.data as RunDetail;
  if (run.status !== 'succeeded') throw new Error(`cache run ${id} ended ${run.status}`);
  const caches = run.stages.flatMap((stage) => stage.jobs.flatMap((job) => job.caches));
  const unexpected = caches.filter((cache) => cache.restore !== expected);
  if (caches.length !== PARTS.length || unexpected.length > 0) {
    throw new Error(`cache run ${id}: expected every job to ${expected}, got ${JSON.stringify(caches)}`);
  }
  return {
    ms: isoMs(run.finishedAt) - isoMs(run.createdAt),
    savedBytes: Math.max(...caches.map((cache) => cache.savedBytes)),
    restoreMsMax: Math.max(...caches.map((cache) => cache.restoreMs)),
    saveMsMax: Math.max(...caches.map((cache) => cache.saveMs)),
  };
}

/** The same steps in a temporary copy of the project: one install, then each part in turn. */
async function runDirectly(): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'gantry-bench-cache-direct-'));
  try {
    await cp(fixtureDir, dir, { recursive: true });
    const started = performance.now();
    await execFileAsync('bash', ['-eo', 'pipefail', '-c', INSTALL], { cwd: dir });
    for (const part of PARTS) await execFileAsync('node', ['suite.mjs', part], { cwd: dir });
    return performance.now() - started;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
