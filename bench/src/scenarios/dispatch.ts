/**
 * 1. Dispatch latency on an idle farm: POST /api/runs returning → the first
 * step's process running (`date +%s%N` inside the step, read back from the job
 * log through the API). Sequential one-stage one-job runs of the branch's head,
 * as a push triggers them (the sha given is the head's, so the ref's lookup
 * answers alone). Baseline: the same step spawned directly with bash from this
 * process.
 *
 * Stage-to-stage latency: a two-stage pipeline whose stage-1 job prints its
 * timestamp as its last action and whose stage-2 job prints one as its first.
 * Baseline: two direct spawns back to back (the second spawned when the first
 * closed).
 */
import { msBetween } from '../clock.js';
import { runDirect, timestampsIn } from '../direct.js';
import { type Farm, isoMs, pipelineFile, sleep, withFarm } from '../farm.js';
import { cpuPerRun, type FarmCpuReading, readFarmCpu } from '../farm-cpu.js';
import { findPostmaster } from '../proc.js';
import { progress } from '../report.js';
import { median, percentile } from '../stats.js';
import type { Scenario, ScenarioContext } from './types.js';

const STEP = 'date +%s%N';
/** Warm-up runs of the direct baselines and of the stage-to-stage runs (the farm is warm by then). */
const WARMUP_RUNS = 5;
/**
 * One-job runs before the measured ones. V8 compiles the controller's hot
 * code while it serves its first runs, on the same two cores as the dispatch
 * being measured (40-55 ms of its other threads' CPU per run in the first
 * few dozen runs, 16-17 ms after 150); a farm's controller that runs for days
 * is past that, so the figure measures one that is. The warm-up's own p50 is
 * reported as a diagnostic.
 */
const CONTROLLER_WARMUP_RUNS = 100;
/**
 * When the bench first reads a run it triggered: after the measured window
 * (trigger → first step, stage 1's end → stage 2's first step) has passed on
 * a healthy farm, so that its own reads of the run, which take the
 * controller's CPU and PGlite's one connection, do not compete with the
 * dispatch it measures. A slower run is read every 15 ms from then on.
 */
const FIRST_READ_MS = 100;

const oneJob = pipelineFile({
  name: 'bench-dispatch',
  stages: [{ name: 'only', jobs: [{ name: 'stamp', steps: [STEP] }] }],
});
const twoStages = pipelineFile({
  name: 'bench-stage-to-stage',
  stages: [
    { name: 'first', jobs: [{ name: 'end-stamp', steps: ['true', STEP] }] },
    { name: 'second', jobs: [{ name: 'start-stamp', steps: [STEP, 'true'] }] },
  ],
});

export function dispatchScenario(database: 'postgres' | 'pglite'): Scenario {
  const pglite = database === 'pglite';
  return {
    name: pglite ? 'dispatch-pglite' : 'dispatch',
    description: pglite
      ? 'dispatch latency with embedded PGlite instead of the Postgres server (p50 target of its own)'
      : 'dispatch latency p50/p99 (≥200 sequential runs) and stage-to-stage latency p50',
    run: (context) => runDispatch(context, database),
  };
}

async function runDispatch(context: ScenarioContext, database: 'postgres' | 'pglite'): Promise<void> {
  const { report, quick } = context;
  const prefix = database === 'pglite' ? 'dispatch_pglite' : 'dispatch';
  const runs = database === 'pglite' ? (quick ? 30 : 100) : quick ? 60 : 200;
  const stageRuns = database === 'pglite' ? 0 : quick ? 20 : 60;

  await withFarm(
    {
      name: prefix.replace('_', '-'),
      postgres: context.postgres,
      database,
      files: { '.gantry.yml': oneJob },
      agents: 2,
      slots: 2,
      profileDir: context.profileDir,
    },
    async (farm) => {
      // Each run is triggered at the branch's head, as a push is: the two-stage pipeline is committed after.
      const oneJobSha = farm.repo.sha;

      progress(`${prefix}: ${CONTROLLER_WARMUP_RUNS} warm-up runs, then ${runs} measured`);
      const latencies: number[] = [];
      const warmupLatencies: number[] = [];
      const phases = { plan: [] as number[], claim: [] as number[], start: [] as number[], finish: [] as number[] };
      const postmaster = database === 'postgres' ? findPostmaster(Number(new URL(context.postgres.url).port)) : null;
      let cpuBefore: FarmCpuReading | undefined;
      for (let i = 0; i < CONTROLLER_WARMUP_RUNS + runs; i++) {
        if (i === CONTROLLER_WARMUP_RUNS) cpuBefore = readFarmCpu(farm, postmaster);
        const { id, returnedNs } = await farm.trigger(oneJobSha);
        const run = await farm.waitRun(id, { firstDelayMs: FIRST_READ_MS, intervalMs: 15, timeoutMs: 60_000 });
        const job = run.stages[0]?.jobs[0];
        if (!job) throw new Error(`run ${id} has no job`);
        const [stamp] = timestampsIn(await farm.log(id, job.id));
        if (stamp === undefined) throw new Error(`run ${id}: no timestamp in the job log`);
        if (i < CONTROLLER_WARMUP_RUNS) {
          warmupLatencies.push(msBetween(returnedNs, stamp));
          continue;
        }
        latencies.push(msBetween(returnedNs, stamp));
        const returnedMs = Number(returnedNs / 1_000_000n);
        const stampMs = Number(stamp / 1_000_000n);
        phases.plan.push(isoMs(job.queuedAt) - returnedMs);
        phases.claim.push(isoMs(job.startedAt) - isoMs(job.queuedAt));
        phases.start.push(stampMs - isoMs(job.startedAt));
        phases.finish.push(isoMs(run.finishedAt) - stampMs);
        await sleep(10);
      }
      // Measured runs only: what one whole one-job run costs, from trigger to its log archived and beyond.
      if (cpuBefore) {
        for (const { part, msPerRun } of cpuPerRun(cpuBefore, readFarmCpu(farm, postmaster), runs)) {
          report.diagnostic(`${prefix}_cpu_ms_per_run_${part}`, msPerRun);
        }
      }

      // The controller while V8 still compiles it: what a freshly started farm's first runs see.
      report.diagnostic(`${prefix}_warmup_latency_p50_ms`, median(warmupLatencies));

      progress(`${prefix}: baseline, ${runs} direct spawns of bash -c '${STEP}'`);
      const direct = (await runDirect({ mode: 'latency', command: STEP, count: WARMUP_RUNS + runs })).samples.slice(
        WARMUP_RUNS,
      );

      // What the git work on the dispatch path costs by itself on this machine (same commands, run by bash).
      const gitDir = `${farm.repo.path}/.git`;
      const plan = [
        `git -C ${farm.repo.path} rev-parse --absolute-git-dir >/dev/null`,
        `git --git-dir ${gitDir} rev-parse --verify --quiet '${oneJobSha}^{commit}' >/dev/null`,
        `git --git-dir ${gitDir} show '${oneJobSha}:.gantry.yml' >/dev/null`,
      ].join(' && ');
      const cache = `${gitDir}/bench-cache.git`; // inside the farm's repository: removed with it
      const workspace = `${gitDir}/bench-workspace`;
      const checkout = [
        `git -C ${cache} cat-file -e '${oneJobSha}^{commit}'`,
        `rm -rf ${workspace}`,
        `git clone --shared --no-checkout -q ${cache} ${workspace}`,
        `git -C ${workspace} checkout --detach -q ${oneJobSha}`,
        `rm -rf ${workspace}`,
      ].join(' && ');
      const gitSamples = quick ? 10 : 30;
      const planGit = await runDirect({ mode: 'each', command: plan, count: gitSamples });
      const checkoutGit = await runDirect({
        mode: 'each',
        command: `[ -d ${cache} ] || git clone --bare -q ${farm.repo.path} ${cache}; ${checkout}`,
        count: gitSamples + 1,
      });
      report.diagnostic(`${prefix}_git_plan_commands_direct_p50_ms`, median(planGit.samples));
      report.diagnostic(`${prefix}_git_checkout_commands_direct_p50_ms`, median(checkoutGit.samples.slice(1)));

      const baselineWhat = `bash -eo pipefail -c '${STEP}' spawned from a small Node process: spawn() → timestamp`;
      report.figure({
        name: `${prefix}_latency_p50_ms`,
        unit: 'ms',
        value: median(latencies),
        baseline: median(direct),
        baselineWhat,
        samples: latencies.length,
        target: { op: '<=', value: database === 'postgres' ? 15 : 30 },
      });
      report.figure({
        name: `${prefix}_latency_p99_ms`,
        unit: 'ms',
        value: percentile(latencies, 99),
        baseline: percentile(direct, 99),
        baselineWhat,
        samples: latencies.length,
        // PGlite's p99 is printed with the same baseline but has no target of its own.
        target: database === 'postgres' ? { op: '<=', value: 50 } : undefined,
      });
      // Where the time goes (database timestamps have millisecond precision).
      report.diagnostic(`${prefix}_phase_trigger_to_queued_p50_ms`, median(phases.plan));
      report.diagnostic(`${prefix}_phase_queued_to_claimed_p50_ms`, median(phases.claim));
      report.diagnostic(`${prefix}_phase_claimed_to_step_p50_ms`, median(phases.start));
      report.diagnostic(`${prefix}_phase_step_to_run_finished_p50_ms`, median(phases.finish));
      report.detail(`${prefix}_latencies_ms`, latencies);
      report.detail(`${prefix}_baseline_ms`, direct);

      if (stageRuns > 0) await stageToStage(context, farm, await farm.commit({ '.gantry.yml': twoStages }), stageRuns);
    },
  );
}

async function stageToStage(context: ScenarioContext, farm: Farm, sha: string, runs: number): Promise<void> {
  const { report } = context;
  progress(`stage-to-stage: ${runs} two-stage runs`);
  const gaps: number[] = [];
  const phases = { finish: [] as number[], advance: [] as number[], start: [] as number[] };
  for (let i = 0; i < WARMUP_RUNS + runs; i++) {
    const { id } = await farm.trigger(sha);
    const run = await farm.waitRun(id, { firstDelayMs: FIRST_READ_MS, intervalMs: 15, timeoutMs: 60_000 });
    const first = run.stages[0]?.jobs[0];
    const second = run.stages[1]?.jobs[0];
    if (!first || !second) throw new Error(`run ${id} lacks a stage`);
    const [end] = timestampsIn(await farm.log(id, first.id));
    const [start] = timestampsIn(await farm.log(id, second.id));
    if (end === undefined || start === undefined) throw new Error(`run ${id}: timestamps missing from the job logs`);
    if (i < WARMUP_RUNS) continue;
    gaps.push(msBetween(end, start));
    phases.finish.push(isoMs(first.finishedAt) - Number(end / 1_000_000n));
    phases.advance.push(isoMs(second.startedAt) - isoMs(first.finishedAt));
    phases.start.push(Number(start / 1_000_000n) - isoMs(second.startedAt));
    await sleep(10);
  }

  const direct = (await runDirect({ mode: 'pairs', command: STEP, count: WARMUP_RUNS + runs })).samples.slice(
    WARMUP_RUNS,
  );

  report.figure({
    name: 'stage_to_stage_p50_ms',
    unit: 'ms',
    value: median(gaps),
    baseline: median(direct),
    baselineWhat: 'two direct bash spawns back to back: timestamp at the end of the first → at the start of the second',
    samples: gaps.length,
    target: { op: '<=', value: 20 },
  });
  report.diagnostic('stage_to_stage_p99_ms', percentile(gaps, 99));
  report.diagnostic('stage_to_stage_phase_step_to_job_finished_p50_ms', median(phases.finish));
  report.diagnostic('stage_to_stage_phase_finished_to_next_claimed_p50_ms', median(phases.advance));
  report.diagnostic('stage_to_stage_phase_claimed_to_step_p50_ms', median(phases.start));
  report.detail('stage_to_stage_ms', gaps);
}
