/**
 * A push's `on:` filter reads the pipeline as planning does, with the farm's
 * limits: a pipeline over them is not filtered but planned, and its run fails
 * naming the limit (the pusher sees why), even when `on:` would have skipped
 * the push.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PIPELINE_LIMITS } from '../pipeline/index.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { createGitSource } from '../source/git-source.js';
import { localRepositories } from '../source/repository-allow-list.js';
import type { OpenDatabase } from '../store/database.js';
import { findRun } from '../store/runs-repository.js';
import { createPipelineRepo } from '../testing/pipeline-repo.js';
import { openTestDatabase } from '../testing/test-database.js';
import { startRun } from './start-run.js';

const pipeline = `on:
  push:
    branches: [release]
name: wide
stages:
  - name: build
    jobs:
      - { name: a, steps: ["true"] }
      - { name: b, steps: ["true"] }
      - { name: c, steps: ["true"] }
`;

describe('a push filter with the farm limits', () => {
  let dir: string;
  let repo: string;
  let database: OpenDatabase;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gantry-push-limits-'));
    repo = join(dir, 'repo');
    createPipelineRepo(repo, pipeline);
    database = await openTestDatabase(join(dir, 'pglite'));
  }, 60_000);

  afterAll(async () => {
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function trigger(maxJobsPerStage: number) {
    const source = createGitSource({ allow: localRepositories, cacheDir: join(dir, `repos-${maxJobsPerStage}`) });
    const scheduler = new Scheduler({
      db: database.db,
      source,
      log: pino({ level: 'silent' }),
      offersCommitted: () => {},
      runChanged: () => {},
      limits: { ...DEFAULT_PIPELINE_LIMITS, maxJobsPerStage },
    });
    const outcome = startRun(
      { db: database.db, source, scheduler },
      { repo, ref: 'main', push: { before: null } },
      { idempotencyKey: null, actor: 'pusher', audit: async () => {} },
    );
    return { scheduler, outcome };
  }

  it('skips the push when the pipeline is within the limits and on: does not list the branch', async () => {
    expect(await trigger(10).outcome).toEqual({ skipped: expect.stringContaining('main') });
  });

  it('plans a pipeline over the limits, whose run fails naming the limit', async () => {
    const { scheduler, outcome } = trigger(2);
    const started = await outcome;
    if (!('run' in started)) throw new Error(`the push was skipped: ${started.skipped}`);
    await scheduler.settle();
    const run = await findRun(database.db, started.run.id);
    expect(run?.status).toBe('failed');
    expect(run?.error).toContain('over the limit of 2 (GANTRY_MAX_JOBS_PER_STAGE)');
  });
});
