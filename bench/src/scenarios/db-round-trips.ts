/**
 * Diagnostic, not a timed figure: how many database round trips and
 * transactions the controller spends per job. The controller talks to
 * Postgres through a counting proxy (src/pg-proxy.ts); the bench waits by
 * querying the database directly, so only the farm's own queries are counted
 * (POST /api/runs included). Two shapes: sequential one-job runs (what one
 * dispatch costs end to end) and one 100-job run (per job, amortised).
 */
import pg from 'pg';
import { pipelineFile, sleep, withFarm } from '../farm.js';
import { startPgProxy } from '../pg-proxy.js';
import { progress } from '../report.js';
import type { Scenario, ScenarioContext } from './types.js';

export const dbRoundTripsScenario: Scenario = {
  name: 'db-round-trips',
  description: 'diagnostic: controller DB round trips and transactions per job (counting proxy), top statements',
  run: runDbRoundTrips,
};

async function runDbRoundTrips(context: ScenarioContext): Promise<void> {
  const { report, quick } = context;
  const singleRuns = quick ? 10 : 20;
  const burstJobs = 100;
  const single = pipelineFile({
    name: 'bench-single',
    stages: [{ name: 's', jobs: [{ name: 'j', steps: ['true'] }] }],
  });
  const burst = pipelineFile({
    name: 'bench-burst',
    stages: [
      {
        name: 's',
        jobs: [
          { name: 'j', matrix: { i: Array.from({ length: burstJobs }, (_, i) => String(i + 1)) }, steps: ['true'] },
        ],
      },
    ],
  });
  const proxy = await startPgProxy(context.postgres.url);
  try {
    await withFarm(
      {
        name: 'db-round-trips',
        postgres: context.postgres,
        database: 'postgres',
        files: { '.gantry.yml': single },
        agents: 2,
        slots: 4,
        profileDir: context.profileDir,
        databaseUrlFor: (url) => proxy.proxied(url),
      },
      async (farm) => {
        const singleSha = farm.repo.sha;
        const burstSha = await farm.commit({ '.gantry.yml': burst });
        const db = new pg.Client({ connectionString: farm.databaseUrl });
        await db.connect();
        try {
          await waitDirect(db, (await farm.trigger(singleSha)).id); // warm-up: agent caches, pool connections
          await sleep(500);

          progress(`db-round-trips: ${singleRuns} sequential one-job runs`);
          proxy.reset();
          for (let i = 0; i < singleRuns; i++) {
            await waitDirect(db, (await farm.trigger(singleSha)).id);
            await sleep(50);
          }
          await sleep(300);
          const singleCounts = proxy.counts();

          progress(`db-round-trips: one run of ${burstJobs} jobs`);
          proxy.reset();
          await waitDirect(db, (await farm.trigger(burstSha)).id, 120_000);
          await sleep(300);
          const burstCounts = proxy.counts();

          report.diagnostic('db_round_trips_per_one_job_run', singleCounts.roundTrips / singleRuns);
          report.diagnostic('db_transactions_per_one_job_run', singleCounts.transactions / singleRuns);
          report.diagnostic('db_round_trips_per_job_in_100_job_run', burstCounts.roundTrips / burstJobs);
          report.diagnostic('db_transactions_per_job_in_100_job_run', burstCounts.transactions / burstJobs);
          const top = (counts: Map<string, number>, per: number) =>
            [...counts.entries()]
              .sort((a, b) => b[1] - a[1])
              .slice(0, 25)
              .map(([sql, count]) => ({ perJob: Math.round((count / per) * 100) / 100, sql }));
          const singleTop = top(singleCounts.statements, singleRuns);
          report.detail('db_statements_per_one_job_run', singleTop);
          report.detail('db_statements_per_job_in_100_job_run', top(burstCounts.statements, burstJobs));
          process.stderr.write(
            `statements per one-job run (top 15 of ${singleCounts.statements.size}):\n${singleTop
              .slice(0, 15)
              .map((entry) => `  ${String(entry.perJob).padStart(5)}  ${entry.sql}`)
              .join('\n')}\n`,
          );
        } finally {
          await db.end();
        }
      },
    );
  } finally {
    await proxy.close();
  }
}

/** Polls the run's status in the database (not through the API, which would add counted queries). */
async function waitDirect(db: pg.Client, runId: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await db.query<{ status: string }>('select status from runs where id = $1', [runId]);
    const status = result.rows[0]?.status;
    if (status === 'succeeded') return;
    if (status === 'failed' || status === 'canceled' || status === 'rejected') {
      throw new Error(`run ${runId} ended ${status}`);
    }
    if (Date.now() > deadline) throw new Error(`run ${runId} still ${status} after ${timeoutMs} ms`);
    await sleep(20);
  }
}
