/**
 * Planning on embedded PGlite with real git repositories: a big legal plan
 * (one stage too big for a single INSERT) is written in batches, a pipeline over a limit fails the run with the parser's
 * message, and a database error while writing the plan fails the run with a
 * short message naming the cause instead of leaving it queued.
 */
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${{ matrix.x }}` is .gantry.yml syntax, not a JS template
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_PIPELINE_LIMITS } from '../pipeline/index.js';
import { createGitSource } from '../source/git-source.js';
import { localRepositories } from '../source/repository-allow-list.js';
import type { OpenDatabase } from '../store/database.js';
import { takeUnpublished } from '../store/outbox-repository.js';
import { claimPlanning, findUnclaimedUnplannedRuns } from '../store/planning-claims.js';
import { createRun, findRunDetail } from '../store/runs-repository.js';
import { openTestDatabase } from '../testing/test-database.js';
import { PLANNING_CLAIM_MS } from './planning-claim.js';
import { Scheduler } from './scheduler.js';

/** `stages` stages of `jobsPerStage / 250` jobs with a 250-cell matrix each. */
function matrixPipeline(stages: number, jobsPerStage: number): string {
  const values = Array.from({ length: 250 }, (_, index) => `c${index}`).join(', ');
  const job = (index: number) =>
    `      - { name: job${index}, matrix: { cell: [${values}] }, steps: ["echo \${{ matrix.cell }}"] }`;
  const stage = (index: number) =>
    `  - name: stage${index}\n    jobs:\n${Array.from({ length: jobsPerStage / 250 }, (_, j) => job(j)).join('\n')}`;
  return `name: big\nstages:\n${Array.from({ length: stages }, (_, index) => stage(index)).join('\n')}\n`;
}

describe('planning on PGlite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gantry-planning-'));
  const logLines: string[] = [];
  let database: OpenDatabase;
  let scheduler: Scheduler;

  const repoWith = (name: string, pipeline: string): string => {
    const repo = join(dir, name);
    mkdirSync(repo);
    execFileSync('git', ['init', '-q', '-b', 'main', repo]);
    writeFileSync(join(repo, '.gantry.yml'), pipeline);
    execFileSync('git', ['-C', repo, 'add', '.']);
    execFileSync('git', ['-C', repo, '-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-qm', 'init']);
    return repo;
  };
  const planFrom = async (repo: string) => {
    const sha = execFileSync('git', ['-C', repo, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    const input = { repo, ref: 'main', sha, triggeredBy: 'test', idempotencyKey: null };
    const { run } = await createRun(database.db, input);
    await scheduler.planRun(run.id);
    const detail = await findRunDetail(database.db, run.id);
    if (!detail) throw new Error(`run ${run.id} vanished`);
    return detail;
  };

  beforeAll(async () => {
    database = await openTestDatabase(join(dir, 'pglite'));
    const log = pino({ level: 'info' }, { write: (line: string) => logLines.push(line) });
    scheduler = new Scheduler({
      db: database.db,
      source: createGitSource({ allow: localRepositories, cacheDir: join(dir, 'repos') }),
      log,
      offersCommitted: () => {},
      runChanged: () => {},
      // One stage of 9,000 jobs: 72,000 parameters were it written in one INSERT.
      limits: { ...DEFAULT_PIPELINE_LIMITS, maxJobsPerStage: 9000, maxJobsPerRun: 9000 },
    });
  }, 60_000);

  afterAll(async () => {
    await database?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('plans 9,000 jobs in one stage and queues them all', async () => {
    const run = await planFrom(repoWith('big', matrixPipeline(1, 9000)));
    expect(run.error).toBeNull();
    expect(run.status).toBe('running');
    expect(run.stages.map((stage) => [stage.jobs.length, stage.status])).toEqual([[9000, 'running']]);
    expect(run.stages[0]?.jobs.every((job) => job.status === 'queued')).toBe(true);
    const offers = await database.db.transaction((tx) => takeUnpublished(tx, 10_000));
    expect(offers).toHaveLength(9000);
  }, 120_000);

  it('fails a run over a limit with the problem, never leaving it queued', async () => {
    const run = await planFrom(repoWith('too-big', matrixPipeline(2, 5000)));
    expect(run.status).toBe('failed');
    expect(run.stages).toEqual([]);
    expect(run.error).toBe(
      '.gantry.yml:3:3: stages: 10000 jobs in the pipeline (after matrix expansion), over the limit of 9000 (GANTRY_MAX_JOBS_PER_RUN)',
    );
  }, 60_000);

  it('fails the run with the database error when writing the plan fails', async () => {
    await database.db.execute(sql`
      create function refuse_job() returns trigger language plpgsql as $$
      begin raise exception 'no room for job %', new.name using errcode = '53100'; end $$`);
    await database.db.execute(
      sql`create trigger refuse_jobs before insert on jobs for each row execute function refuse_job()`,
    );
    try {
      const run = await planFrom(repoWith('refused', matrixPipeline(1, 1000)));
      expect(run.status).toBe('failed');
      expect(run.stages).toEqual([]);
      expect(run.error).toBe(
        'planning failed: the database refused the plan: no room for job job0 (cell=c0) (SQLSTATE 53100)',
      );
      const failure = logLines.find((line) => line.includes('"planning failed"'));
      expect(failure).toContain('no room for job');
      // The failed statement and its thousands of parameters stay out of the log.
      expect(Math.max(...logLines.map((line) => line.length))).toBeLessThan(2000);
    } finally {
      await database.db.execute(sql`drop trigger refuse_jobs on jobs`);
    }
  }, 60_000);

  it('plans a run created claimed without claiming it again; nobody else may take it meanwhile', async () => {
    const repo = repoWith('claimed', matrixPipeline(1, 250));
    const sha = execFileSync('git', ['-C', repo, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
    const input = { repo, ref: 'main', sha, triggeredBy: 'test', idempotencyKey: null };
    const { run } = await createRun(database.db, input, { planningClaimMs: PLANNING_CLAIM_MS });

    // Another replica: its claim is refused, and its sweep does not see the run even once it is old enough.
    expect(await claimPlanning(database.db, run.id, PLANNING_CLAIM_MS)).toBe(false);
    expect(await findUnclaimedUnplannedRuns(database.db, 0, 10)).not.toContain(run.id);

    // Its creator plans it, holding the claim from the start.
    await scheduler.planRun(run.id, run);
    const planned = await findRunDetail(database.db, run.id);
    expect(planned?.status).toBe('running');
    expect(planned?.stages[0]?.jobs).toHaveLength(250);
  }, 60_000);
});
