/**
 * Every run ends, and every input has a bound, on the real farm: pipelines
 * over a limit fail their run with the parser's message (never left queued),
 * a request body over the limit gets 413 and creates nothing, a legal plan
 * too big for one INSERT is written, and a database error while planning
 * fails the run naming the cause.
 */
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${{ matrix.x }}` is .gantry.yml syntax, not a JS template
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitRepo, type RunView } from '../src/harness/index.js';
import { type Farm, farmLogs, startFarm } from './farm-fixture.js';

/** `stages` stages, each of `jobsPerStage / 250` jobs with a 250-cell matrix. */
function matrixPipeline(stages: number, jobsPerStage: number): string {
  const values = Array.from({ length: 250 }, (_, index) => `c${index}`).join(', ');
  const job = (index: number) =>
    `      - { name: job${index}, matrix: { cell: [${values}] }, steps: ["echo \${{ matrix.cell }}"] }`;
  const stage = (index: number) =>
    `  - name: stage${index}\n    jobs:\n${Array.from({ length: jobsPerStage / 250 }, (_, j) => job(j)).join('\n')}`;
  return `name: big\nstages:\n${Array.from({ length: stages }, (_, index) => stage(index)).join('\n')}\n`;
}

async function triggerAndSettle(farm: Farm, pipeline: string): Promise<RunView> {
  const repo = await createGitRepo({ '.gantry.yml': pipeline });
  const created = await farm.client.POST('/api/runs', { body: { repo: repo.path, ref: 'main' } });
  expect(created.response.status, JSON.stringify(created.error)).toBe(201);
  return farm.client.waitForRun(created.data!.id, (run) => run.status !== 'queued', { timeoutMs: 90_000 });
}

/** A body sent with Transfer-Encoding: chunked, in 64 KiB pieces. */
function chunkedBody(text: string): ReadableStream<Uint8Array> {
  const bytes = Buffer.from(text);
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.subarray(at, at + 64 * 1024));
      at += 64 * 1024;
    },
  });
}

async function runCount(farm: Farm): Promise<number> {
  const listed = await farm.client.GET('/api/runs', { params: { query: { limit: 500 } } });
  return listed.data!.runs.length;
}

describe('limits with the default settings', () => {
  let farm: Farm;
  beforeAll(async () => {
    farm = await startFarm({ agents: 1, slots: 1 });
  });
  afterAll(async () => {
    await farm?.stop();
  });

  it('fails a 10,000-job pipeline (40 jobs × 250 matrix cells in one stage) with the limits it breaks', async () => {
    const run = await triggerAndSettle(farm, matrixPipeline(1, 10_000));
    expect(run.status, farmLogs(farm)).toBe('failed');
    expect(run.stages).toEqual([]);
    expect(run.error).toBe(
      [
        '.gantry.yml:3:3: stages: 10000 jobs in the pipeline (after matrix expansion), over the limit of 5000 (GANTRY_MAX_JOBS_PER_RUN)',
        '.gantry.yml:5:7: stages[0].jobs: 10000 jobs in stage "stage0" (after matrix expansion), over the limit of 1000 (GANTRY_MAX_JOBS_PER_STAGE)',
      ].join('\n'),
    );
  });

  it('fails a pipeline over the per-run limit whose every stage is within its own', async () => {
    const run = await triggerAndSettle(farm, matrixPipeline(6, 1000));
    expect(run.status, farmLogs(farm)).toBe('failed');
    expect(run.error).toBe(
      '.gantry.yml:3:3: stages: 6000 jobs in the pipeline (after matrix expansion), over the limit of 5000 (GANTRY_MAX_JOBS_PER_RUN)',
    );
  });

  it('refuses a request body over GANTRY_MAX_REQUEST_BYTES with 413 and creates nothing', async () => {
    const repo = await createGitRepo({ '.gantry.yml': matrixPipeline(1, 250) });
    const before = await runCount(farm);
    const url = new URL('/api/runs', farm.controller.httpUrl);
    const headers = { authorization: `Bearer ${farm.adminToken}`, 'content-type': 'application/json' };
    const body = JSON.stringify({ repo: repo.path, ref: 'main', padding: 'x'.repeat(2 * 1024 * 1024) });
    const expected = {
      error: {
        code: 'PAYLOAD_TOO_LARGE',
        message: 'request body is over the limit of 1048576 bytes (GANTRY_MAX_REQUEST_BYTES)',
        requestId: expect.any(String),
      },
    };

    // The controller reads the rest of the body before answering, so a plain
    // client that sends everything first still gets the answer, not a reset.
    const declared = await fetch(url, { method: 'POST', headers, body });
    expect(declared.status).toBe(413);
    expect(await declared.json()).toEqual(expected);

    // Chunked: no Content-Length, so the controller counts while it reads.
    const chunked = await fetch(url, {
      method: 'POST',
      headers,
      body: chunkedBody(body),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(await chunked.json()).toEqual(expected);

    expect(await runCount(farm)).toBe(before);
  });
});

describe('limits raised through the environment', () => {
  let farm: Farm;
  beforeAll(async () => {
    // No agents: the plan is what is under test, not running 10,000 jobs.
    farm = await startFarm({
      agents: 0,
      controllerEnv: { GANTRY_MAX_JOBS_PER_STAGE: '10000', GANTRY_MAX_JOBS_PER_RUN: '10000' },
    });
  });
  afterAll(async () => {
    await farm?.stop();
  });

  it('plans 10,000 jobs in one stage, more than one INSERT can carry', async () => {
    const run = await triggerAndSettle(farm, matrixPipeline(1, 10_000));
    expect(run.error, farmLogs(farm)).toBeNull();
    expect(run.status).toBe('running');
    expect(run.stages[0]?.jobs).toHaveLength(10_000);
    expect(run.stages[0]?.jobs.every((job) => job.status === 'queued')).toBe(true);
    const canceled = await farm.client.POST('/api/runs/{id}/cancel', { params: { path: { id: run.id } } });
    expect(canceled.response.status).toBe(200);
    await farm.client.waitForRun(run.id, (view) => view.status === 'canceled');
  });

  it('fails the run naming the cause when the database refuses the plan', async () => {
    const db = new pg.Client({ connectionString: farm.databaseUrl });
    await db.connect();
    try {
      await db.query(`create function refuse_job() returns trigger language plpgsql as $$
        begin raise exception 'tablespace for jobs is full' using errcode = '53100'; end $$`);
      await db.query('create trigger refuse_jobs before insert on jobs for each row execute function refuse_job()');
      const run = await triggerAndSettle(farm, matrixPipeline(1, 250));
      expect(run.status, farmLogs(farm)).toBe('failed');
      expect(run.stages).toEqual([]);
      expect(run.error).toBe(
        'planning failed: the database refused the plan: tablespace for jobs is full (SQLSTATE 53100)',
      );
      const longest = Math.max(
        ...farm.controller
          .logs()
          .split('\n')
          .map((line) => line.length),
      );
      expect(longest).toBeLessThan(4000);
    } finally {
      await db.query('drop trigger if exists refuse_jobs on jobs').catch(() => {});
      await db.end();
    }
  });
});
