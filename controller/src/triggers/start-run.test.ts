/**
 * Triggering by a name that is a tag, or both a branch and a tag: the run
 * builds the ref it names, on that ref, and a protected environment that
 * accepts only branch main refuses a run on a tag named main (PGlite, a real
 * git repository).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Scheduler } from '../scheduler/scheduler.js';
import { createGitSource, SourceError } from '../source/git-source.js';
import { localRepositories } from '../source/repository-allow-list.js';
import { type OpenDatabase, queryRows } from '../store/database.js';
import { putProtection } from '../store/environments-repository.js';
import { findRun } from '../store/runs-repository.js';
import { createPipelineRepo } from '../testing/pipeline-repo.js';
import { openTestDatabase } from '../testing/test-database.js';
import { startRun } from './start-run.js';

const pipeline = `name: deploy
stages:
  - { name: production, environment: production, jobs: [{ name: ship, steps: ["true"] }] }
`;

describe('triggering a ref whose name is a tag', () => {
  let dir: string;
  let repo: string;
  let database: OpenDatabase;
  let scheduler: Scheduler;
  let source: ReturnType<typeof createGitSource>;
  let branchHead: string;
  let tagged: string;

  const git = (...args: string[]) =>
    execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args], {
      encoding: 'utf8',
    }).trim();
  const trigger = (ref: string) =>
    startRun(
      { db: database.db, source, scheduler },
      { repo, ref },
      { idempotencyKey: null, actor: 'tester', audit: async () => {} },
    );
  const countRuns = async () =>
    (await queryRows<{ count: number }>(database.db, sql`select count(*)::int as count from runs`))[0]?.count;
  const planned = async (ref: string) => {
    const outcome = await trigger(ref);
    if (!('run' in outcome)) throw new Error(`no run: ${outcome.skipped}`);
    await scheduler.settle();
    const run = await findRun(database.db, outcome.run.id);
    if (!run) throw new Error('run vanished');
    return run;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gantry-start-run-'));
    repo = join(dir, 'repo');
    createPipelineRepo(repo, pipeline);
    branchHead = git('rev-parse', 'HEAD');
    // A commit off every branch, which the tests tag `main`.
    tagged = git('commit-tree', '-p', branchHead, '-m', 'tagged', `${branchHead}^{tree}`);
    database = await openTestDatabase(join(dir, 'pglite'));
    source = createGitSource({ allow: localRepositories, cacheDir: join(dir, 'repos') });
    scheduler = new Scheduler({
      db: database.db,
      source,
      log: pino({ level: 'silent' }),
      offersCommitted: () => {},
      runChanged: () => {},
    });
    await putProtection(database.db, {
      name: 'production',
      approvers: ['role:release'],
      required: 1,
      branches: ['main'],
      updatedBy: 'test',
    });
  }, 60_000);

  afterAll(async () => {
    await scheduler?.settle();
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lets a run on branch main through to the gate', async () => {
    const run = await planned('main');
    expect(run).toMatchObject({
      sha: branchHead,
      fullRef: 'refs/heads/main',
      status: 'awaiting_approval',
      error: null,
    });
  }, 60_000);

  it('refuses a name that is both a branch and a tag, creating no run', async () => {
    git('tag', 'main', tagged);
    try {
      const runsBefore = await countRuns();
      const error = await trigger('main').then(
        () => null,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(SourceError);
      expect(error).toMatchObject({
        code: 'INVALID_REF',
        message: 'ref "main" is ambiguous: both a branch and a tag; give refs/heads/main or refs/tags/main',
      });
      expect(await countRuns()).toBe(runsBefore);
      // Named in full, each builds its own commit, on its own ref.
      expect(await planned('refs/heads/main')).toMatchObject({ sha: branchHead, status: 'awaiting_approval' });
      const onTag = await planned('refs/tags/main');
      expect(onTag).toMatchObject({ sha: tagged, fullRef: 'refs/tags/main', status: 'failed' });
      expect(onTag.error).toContain('this run is on refs/tags/main, which is not a branch');
    } finally {
      git('tag', '-d', 'main');
    }
  }, 60_000);

  it('fails the protected stage of a run on a tag named like an allowed branch', async () => {
    git('branch', '-m', 'main', 'trunk');
    git('tag', 'main', tagged);
    try {
      const run = await planned('main');
      expect(run).toMatchObject({ sha: tagged, ref: 'main', fullRef: 'refs/tags/main', status: 'failed' });
      expect(run.error).toBe(
        'environment "production" only accepts deployments from main; this run is on refs/tags/main, which is not a branch',
      );
    } finally {
      git('tag', '-d', 'main');
      git('branch', '-m', 'trunk', 'main');
    }
  }, 60_000);
});
