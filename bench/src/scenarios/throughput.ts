/**
 * 2. Throughput: a burst of no-op jobs (runs of one stage with a 100-cell
 * matrix of `true`) on 4 agents × 4 slots, trigger → every run succeeded, and
 * the controller's and the agents' own CPU time per job from /proc, measured
 * after a warm-up burst of as many jobs (its figures are diagnostics). Baseline:
 * the same number of `bash -eo pipefail -c true` spawned directly, 16 at a
 * time (for CPU: what that Node process spent per spawn). Then, as
 * diagnostics, the CPU per job at a steady load well below saturation
 * (measurePaced).
 */
import { join } from 'node:path';
import pg from 'pg';
import { msBetween, wallNs } from '../clock.js';
import { runDirect, runXargs } from '../direct.js';
import {
  type Farm,
  isoMs,
  noopMatrixPipeline,
  type RunSummary,
  sleep,
  terminalRunStatuses,
  withFarm,
} from '../farm.js';
import { runLoadStep } from '../load-step.js';
import { formatPerf, PerfRecording, removePerfMaps, summarizePerf } from '../perf.js';
import { type CpuTimes, cpuTimes, cpuWithDescendants, findPostmaster, peakRssMiB, treeCpuMs } from '../proc.js';
import { progress } from '../report.js';
import type { Scenario, ScenarioContext } from './types.js';

const JOBS_PER_RUN = 100;
const AGENTS = 4;
const SLOTS = 4;

const noopMatrix = noopMatrixPipeline('bench-throughput', JOBS_PER_RUN);

export const throughputScenario: Scenario = {
  name: 'throughput',
  description: `no-op jobs/s for a burst of ≥2,000 jobs on ${AGENTS} agents × ${SLOTS} slots, controller CPU ms/job`,
  run: runThroughput,
};

async function runThroughput(context: ScenarioContext): Promise<void> {
  const { report, quick } = context;
  const runs = quick ? 5 : 20;
  const jobs = runs * JOBS_PER_RUN;
  await withFarm(
    {
      name: 'throughput',
      postgres: context.postgres,
      database: 'postgres',
      files: { '.gantry.yml': noopMatrix },
      agents: AGENTS,
      slots: SLOTS,
      profileDir: context.profileDir,
      perfMaps: context.perfDir !== undefined,
    },
    async (farm) => {
      const postmaster = findPostmaster(Number(new URL(context.postgres.url).port));
      const readings = () => farmCpu(farm, postmaster);

      // The warm-up: a burst as large as the measured one (see bench/README.md).
      progress(`throughput: warm-up burst of ${runs} runs × ${JOBS_PER_RUN} jobs = ${jobs} jobs`);
      const beforeWarmup = await readings();
      const warmup = await runBurst(farm, runs, quick);
      await sleep(1500); // the warm-up's background work (workspace removal, statistics) ends outside the burst
      const afterWarmup = await readings();
      report.diagnostic('throughput_warmup_jobs', jobs);
      report.diagnostic('throughput_warmup_jobs_per_s', (jobs / warmup.elapsedMs) * 1000);
      report.diagnostic(
        'throughput_warmup_controller_cpu_ms_per_job',
        (afterWarmup.controller.selfMs - beforeWarmup.controller.selfMs) / jobs,
      );
      report.diagnostic(
        'throughput_warmup_agent_cpu_ms_per_job',
        (agentsCpuMs(afterWarmup, 'selfMs') - agentsCpuMs(beforeWarmup, 'selfMs')) / jobs,
      );
      report.diagnostic(
        'throughput_warmup_postgres_cpu_ms_per_job',
        (afterWarmup.postgres - beforeWarmup.postgres) / jobs,
      );

      const before = afterWarmup;
      const recording = context.perfDir
        ? await PerfRecording.start(join(context.perfDir, 'throughput.perf.data'))
        : undefined;
      progress(`throughput: burst of ${runs} runs × ${JOBS_PER_RUN} jobs = ${jobs} jobs`);
      const { elapsedMs, triggeredMs } = await runBurst(farm, runs, quick);
      await recording?.stop();
      await sleep(1500); // let the statistics collector catch up
      const after = await readings();
      const controllerRssPeak = peakRssMiB(farm.controller.pid);

      progress(`throughput: baseline, ${jobs} direct bash -c true, 16 at a time`);
      const direct = await runDirect({ mode: 'concurrent', command: 'true', count: jobs, concurrency: AGENTS * SLOTS });
      const directMs = direct.totalMs ?? Number.NaN;
      const xargsMs = await runXargs(jobs, AGENTS * SLOTS);

      const jobsPerSecond = (jobs / elapsedMs) * 1000;
      const directPerSecond = (jobs / directMs) * 1000;
      report.figure({
        name: 'throughput_jobs_per_s',
        unit: 'jobs/s',
        value: jobsPerSecond,
        baseline: directPerSecond,
        baselineWhat: `${jobs} × bash -eo pipefail -c true spawned by a small Node process, ${AGENTS * SLOTS} in flight`,
        samples: jobs,
        target: { op: '>=', value: 150 },
      });
      const controllerMsPerJob = (after.controller.selfMs - before.controller.selfMs) / jobs;
      // Baseline: what the Node process of the direct run spent per job (spawning and reaping one bash).
      const spawnCpuMs = direct.cpuMsPerRun ?? Number.NaN;
      report.figure({
        name: 'throughput_controller_cpu_ms_per_job',
        unit: 'ms',
        value: controllerMsPerJob,
        baseline: spawnCpuMs,
        baselineWhat: 'CPU ms the Node process of the direct baseline spent per job (spawn and reap one bash -c true)',
        samples: jobs,
        target: { op: '<=', value: 3 },
      });
      report.diagnostic('throughput_direct_xargs_jobs_per_s', (jobs / xargsMs) * 1000);
      report.diagnostic('throughput_direct_children_cpu_ms_per_job', direct.childrenCpuMs / jobs);
      report.diagnostic('throughput_jobs', jobs);
      report.diagnostic('throughput_elapsed_s', elapsedMs / 1000);
      report.diagnostic('throughput_trigger_all_ms', triggeredMs);
      report.diagnostic(
        'throughput_controller_children_cpu_ms_per_job',
        (after.controller.childrenMs - before.controller.childrenMs) / jobs,
      );
      const agentsMs = agentsCpuMs(after, 'selfMs') - agentsCpuMs(before, 'selfMs');
      const stepsMs = agentsCpuMs(after, 'childrenMs') - agentsCpuMs(before, 'childrenMs');
      report.figure({
        name: 'throughput_agent_cpu_ms_per_job',
        unit: 'ms',
        value: agentsMs / jobs,
        baseline: spawnCpuMs,
        baselineWhat:
          "CPU ms the Node process of the direct baseline spent per job (spawn and reap one bash -c true); the agents' own utime+stime, children excluded",
        samples: jobs,
        target: { op: '<=', value: 6 },
      });
      report.diagnostic('throughput_agent_children_cpu_ms_per_job', stepsMs / jobs);
      report.diagnostic('throughput_postgres_cpu_ms_per_job', (after.postgres - before.postgres) / jobs);
      report.diagnostic('throughput_nats_cpu_ms_per_job', (after.nats - before.nats) / jobs);
      report.diagnostic('throughput_db_transactions_per_job', (after.xacts - before.xacts) / jobs);
      report.diagnostic('throughput_controller_peak_rss_mib', controllerRssPeak);
      await measurePaced(farm, readings, context);
      if (recording) {
        const roles = farm.perfRoles();
        progress('throughput: reading the perf recording');
        const summary = await summarizePerf(recording.dataFile, roles, jobs);
        removePerfMaps(roles.keys());
        report.detail('throughput_perf', summary);
        progress(`throughput: CPU per job by perf, burst of ${jobs} jobs\n${formatPerf(summary)}`);
      }
    },
  );
}

interface FarmCpu {
  controller: CpuTimes;
  agents: CpuTimes[];
  postgres: number;
  nats: number;
  xacts: number;
}

/** The farm's CPU times so far (PostgreSQL: its whole process tree) and its database's committed transactions. */
async function farmCpu(farm: Farm, postmaster: number | undefined): Promise<FarmCpu> {
  return {
    controller: cpuWithDescendants(farm.controller.pid),
    agents: farm.agents.map((agent) => cpuWithDescendants(agent.pid)),
    postgres: postmaster ? treeCpuMs(postmaster) : Number.NaN,
    nats: cpuTimes(farm.nats.pid).selfMs,
    xacts: await transactions(farm.databaseUrl),
  };
}

/** The agents' CPU ms so far, added up: their own (`selfMs`) or their steps' (`childrenMs`). */
function agentsCpuMs(reading: FarmCpu, which: keyof CpuTimes): number {
  return reading.agents.reduce((sum, times) => sum + times[which], 0);
}

const PACED_JOBS_PER_SECOND = 20;
const PACED_JOBS_PER_RUN = 10;

/**
 * The farm's CPU per job at a steady 20 jobs/s, well below what it sustains,
 * the same no-op jobs in runs of 10, with what the farm spends idle over as
 * long subtracted (heartbeats, pulls that expire): whether a burst's CPU per
 * job comes from the work or from two saturated cores. Diagnostics only.
 */
async function measurePaced(
  farm: Farm,
  readings: () => Promise<FarmCpu>,
  { report, quick }: ScenarioContext,
): Promise<void> {
  const holdMs = quick ? 10_000 : 20_000;
  const sha = await farm.commit({ '.gantry.yml': noopMatrixPipeline('bench-paced', PACED_JOBS_PER_RUN) });
  const db = new pg.Client({ connectionString: farm.databaseUrl });
  await db.connect();
  try {
    const step = (jobsPerSecond: number, ms: number) =>
      runLoadStep(farm, db, {
        jobsPerSecond,
        jobsPerRun: PACED_JOBS_PER_RUN,
        holdMs: ms,
        sha,
        maxInFlight: 64,
        drainTimeoutMs: 120_000,
      });
    progress(`throughput: idle, then ${PACED_JOBS_PER_SECOND} jobs/s for ${holdMs / 1000} s`);
    await step(PACED_JOBS_PER_SECOND, 2000); // the new commit's snapshot, built outside the measurement
    await sleep(1500);
    const idleStart = await readings();
    const idleStartMs = Date.now();
    await sleep(holdMs);
    const idleEnd = await readings();
    const idleMs = Date.now() - idleStartMs;
    const pacedStartMs = Date.now();
    const paced = await step(PACED_JOBS_PER_SECOND, holdMs);
    const pacedEnd = await readings();
    const pacedMs = Date.now() - pacedStartMs;
    if (paced.failedJobs > 0) throw new Error(`${paced.failedJobs} paced jobs did not succeed`);
    // CPU ms per job beyond what the same stretch of time costs idle.
    const perJob = (idle: number, busy: number) => (busy - (idle / idleMs) * pacedMs) / paced.jobs;
    const prefix = `throughput_paced_${PACED_JOBS_PER_SECOND}`;
    report.diagnostic(`${prefix}_jobs_per_s`, paced.completedJobsPerSecond);
    report.diagnostic(
      `${prefix}_agent_cpu_ms_per_job`,
      perJob(
        agentsCpuMs(idleEnd, 'selfMs') - agentsCpuMs(idleStart, 'selfMs'),
        agentsCpuMs(pacedEnd, 'selfMs') - agentsCpuMs(idleEnd, 'selfMs'),
      ),
    );
    report.diagnostic(
      `${prefix}_controller_cpu_ms_per_job`,
      perJob(
        idleEnd.controller.selfMs - idleStart.controller.selfMs,
        pacedEnd.controller.selfMs - idleEnd.controller.selfMs,
      ),
    );
    report.diagnostic(
      `${prefix}_postgres_cpu_ms_per_job`,
      perJob(idleEnd.postgres - idleStart.postgres, pacedEnd.postgres - idleEnd.postgres),
    );
    report.diagnostic(`${prefix}_dispatch_p50_ms`, paced.dispatchP50Ms);
  } finally {
    await db.end();
  }
}

/**
 * Triggers `runs` runs of the no-op matrix back to back and waits until all
 * of them ended (every one must succeed). Elapsed: first trigger → the last
 * run's `finishedAt`. The runs list is polled once a second: each poll costs
 * the controller a couple of milliseconds of CPU, which the burst's figures
 * would count.
 */
async function runBurst(farm: Farm, runs: number, quick: boolean): Promise<{ elapsedMs: number; triggeredMs: number }> {
  const startNs = wallNs();
  const ids: string[] = [];
  for (let i = 0; i < runs; i++) ids.push((await farm.trigger()).id);
  const triggeredMs = msBetween(startNs, wallNs());
  const deadline = Date.now() + (quick ? 180_000 : 600_000);
  let finished: RunSummary[] = [];
  for (;;) {
    const list = await farm.listRuns(Math.min(500, runs + 10));
    finished = list.filter((run) => ids.includes(run.id) && terminalRunStatuses.has(run.status));
    if (finished.length === ids.length) break;
    if (Date.now() > deadline) throw new Error(`only ${finished.length} of ${ids.length} runs finished in time`);
    await sleep(1000);
  }
  const failed = finished.filter((run) => run.status !== 'succeeded');
  if (failed.length > 0) throw new Error(`${failed.length} burst runs did not succeed (first: ${failed[0]?.id})`);
  const lastFinishedMs = Math.max(...finished.map((run) => isoMs(run.finishedAt)));
  return { elapsedMs: lastFinishedMs - Number(startNs / 1_000_000n), triggeredMs };
}

/** Committed transactions of the database so far (pg_stat_database; every statement outside BEGIN counts as one). */
async function transactions(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('select pg_stat_clear_snapshot()');
    const result = await client.query<{ xact_commit: string }>(
      'select xact_commit from pg_stat_database where datname = current_database()',
    );
    return Number(result.rows[0]?.xact_commit ?? Number.NaN);
  } finally {
    await client.end();
  }
}
