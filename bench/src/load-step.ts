/**
 * One step of the ceiling scenario's load ladder: runs of a `jobsPerRun`-cell
 * matrix triggered open-loop at `jobsPerSecond` for `holdMs` (a trigger every
 * jobsPerRun ÷ rate seconds, whether or not the previous one answered; at most
 * `maxInFlight` triggers outstanding, beyond which the step falls behind and
 * its completed rate shows it), then waits for every job of those runs to end
 * and reads their timestamps from the database.
 */
import type pg from 'pg';
import { type Farm, sleep } from './farm.js';
import { median, percentile } from './stats.js';

export interface LoadStep {
  offeredJobsPerSecond: number;
  runs: number;
  jobs: number;
  /** jobs ÷ (last job's finished_at − first run's created_at), database clock. */
  completedJobsPerSecond: number;
  /** Job queued_at → started_at (the claim), database clock, microseconds kept. */
  dispatchP50Ms: number;
  dispatchP99Ms: number;
  /**
   * Where a run's dispatch time goes (medians over the step's runs, from the
   * run's queued_at, database clock): its last offer published to JetStream
   * (planning and the outbox relay), its first and its last job claimed.
   * A run's jobs are queued together, so its last claim is what sets the p99.
   */
  runPublishedP50Ms: number;
  runFirstClaimP50Ms: number;
  runLastClaimP50Ms: number;
  failedJobs: number;
}

export interface LoadStepOptions {
  jobsPerSecond: number;
  jobsPerRun: number;
  holdMs: number;
  sha: string;
  maxInFlight: number;
  /** Give up waiting for the step's jobs after this long. */
  drainTimeoutMs: number;
}

const terminalJobStatuses = ['succeeded', 'failed', 'canceled', 'timed_out'];

export async function runLoadStep(farm: Farm, db: pg.Client, options: LoadStepOptions): Promise<LoadStep> {
  const runs = Math.max(1, Math.round((options.jobsPerSecond * options.holdMs) / 1000 / options.jobsPerRun));
  const intervalNs = BigInt(Math.round((options.jobsPerRun / options.jobsPerSecond) * 1e9));
  const ids: string[] = [];
  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  const startNs = process.hrtime.bigint();
  for (let i = 0; i < runs && failure === undefined; i++) {
    const dueNs = startNs + BigInt(i) * intervalNs;
    const waitMs = Number(dueNs - process.hrtime.bigint()) / 1e6;
    if (waitMs > 0) await sleep(waitMs);
    while (inFlight.size >= options.maxInFlight) await Promise.race(inFlight);
    const trigger = farm
      .trigger(options.sha)
      .then(({ id }) => {
        ids.push(id);
      })
      .catch((error: unknown) => {
        failure = error;
      })
      .finally(() => inFlight.delete(trigger));
    inFlight.add(trigger);
  }
  await Promise.all(inFlight);
  if (failure !== undefined) throw failure;

  // Done once every run is planned (a run still planning has no jobs yet) and every job ended.
  const expected = ids.length * options.jobsPerRun;
  const deadline = Date.now() + options.drainTimeoutMs;
  for (;;) {
    const counted = await db.query<{ planned: number; open: number }>(
      `select count(*)::int as planned, (count(*) filter (where status <> all($2)))::int as open
         from jobs where run_id = any($1)`,
      [ids, terminalJobStatuses],
    );
    const { planned = 0, open = 0 } = counted.rows[0] ?? {};
    if (planned === expected && open === 0) break;
    if (Date.now() > deadline)
      throw new Error(`${expected - planned} jobs unplanned, ${open} open ${options.drainTimeoutMs} ms after the step`);
    await sleep(250);
  }
  const rows = await db.query<{ dispatch_ms: number | null; status: string }>(
    `select extract(epoch from (started_at - queued_at)) * 1000 as dispatch_ms, status
       from jobs where run_id = any($1)`,
    [ids],
  );
  const span = await db.query<{ span_ms: number }>(
    `select extract(epoch from ((select max(finished_at) from jobs where run_id = any($1))
                              - (select min(created_at) from runs where id = any($1)))) * 1000 as span_ms`,
    [ids],
  );
  const phases = await db.query<{ published_ms: number | null; first_ms: number | null; last_ms: number | null }>(
    `select extract(epoch from (max(o.published_at) - min(j.queued_at))) * 1000 as published_ms,
            extract(epoch from (min(j.started_at) - min(j.queued_at))) * 1000 as first_ms,
            extract(epoch from (max(j.started_at) - min(j.queued_at))) * 1000 as last_ms
       from jobs j left join outbox o on o.msg_id = j.id || '.' || j.attempt
      where j.run_id = any($1) group by j.run_id`,
    [ids],
  );
  const runMedian = (column: 'published_ms' | 'first_ms' | 'last_ms') =>
    median(phases.rows.flatMap((row) => (row[column] === null ? [] : [Number(row[column])])));
  const dispatch = rows.rows.flatMap((row) => (row.dispatch_ms === null ? [] : [Number(row.dispatch_ms)]));
  const jobs = rows.rows.length;
  if (jobs !== runs * options.jobsPerRun) throw new Error(`${jobs} jobs planned for ${runs} runs`);
  return {
    offeredJobsPerSecond: options.jobsPerSecond,
    runs,
    jobs,
    completedJobsPerSecond: (jobs / Number(span.rows[0]?.span_ms)) * 1000,
    dispatchP50Ms: percentile(dispatch, 50),
    dispatchP99Ms: percentile(dispatch, 99),
    runPublishedP50Ms: runMedian('published_ms'),
    runFirstClaimP50Ms: runMedian('first_ms'),
    runLastClaimP50Ms: runMedian('last_ms'),
    failedJobs: rows.rows.filter((row) => row.status !== 'succeeded').length,
  };
}
