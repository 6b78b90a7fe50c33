/**
 * Fan-out start: a two-stage pipeline whose stage-1 job prints its timestamp
 * (`date +%s%N`) as its last action and whose stage 2 is a 16-cell matrix of
 * jobs each printing one as its first action, on 4 agents × 4 slots (16 slots,
 * all free when stage 2 opens: the stage-1 job's slot is released as it
 * finishes). Figure: stage-1 timestamp → the latest of the 16 stage-2
 * timestamps, read back from the job logs through the API; median over the
 * repetitions. Baseline: 16 `bash -eo pipefail -c 'date +%s%N'` spawned at
 * once by a small Node process, first spawn() → the latest timestamp.
 * With --perf, the measured runs are recorded with perf(1) and the CPU spent
 * between each run's stage-1 timestamp and its last stage-2 one is split by
 * process: how busy the machine was, and what kept it busy.
 */
import { join } from 'node:path';
import { msBetween } from '../clock.js';
import { runDirect, timestampsIn } from '../direct.js';
import { type Farm, isoMs, pipelineFile, sleep, withFarm } from '../farm.js';
import { formatPerf, PerfRecording, removePerfMaps, summarizePerf, type WallWindow } from '../perf.js';
import { progress } from '../report.js';
import { median, percentile } from '../stats.js';
import type { Scenario, ScenarioContext } from './types.js';

const STEP = 'date +%s%N';
const FANOUT = 16;
const AGENTS = 4;
const SLOTS = 4;
const WARMUP_RUNS = 2;

const pipeline = pipelineFile({
  name: 'bench-fanout',
  stages: [
    { name: 'open', jobs: [{ name: 'end-stamp', steps: ['true', STEP] }] },
    {
      name: 'fan-out',
      jobs: [
        {
          name: 'start-stamp',
          matrix: { i: Array.from({ length: FANOUT }, (_, index) => String(index + 1)) },
          steps: [STEP, 'true'],
        },
      ],
    },
  ],
});

export const fanoutScenario: Scenario = {
  name: 'fanout',
  description: `a stage of ${FANOUT} no-op jobs on ${AGENTS} agents × ${SLOTS} slots: stage opened → the last job's step runs`,
  run: runFanout,
};

async function runFanout(context: ScenarioContext): Promise<void> {
  const { report, quick } = context;
  const repetitions = quick ? 6 : 20;
  await withFarm(
    {
      name: 'fanout',
      postgres: context.postgres,
      database: 'postgres',
      files: { '.gantry.yml': pipeline },
      agents: AGENTS,
      slots: SLOTS,
      profileDir: context.profileDir,
      perfMaps: context.perfDir !== undefined,
    },
    async (farm) => {
      progress(`fanout: ${WARMUP_RUNS} warm-up runs, then ${repetitions} measured`);
      const samples: number[] = [];
      const firstStarted: number[] = [];
      const windows: WallWindow[] = [];
      let recording: PerfRecording | undefined;
      const phases = {
        finish: [] as number[],
        claimFirst: [] as number[],
        claimLast: [] as number[],
        queued: [] as number[],
      };
      for (let i = 0; i < WARMUP_RUNS + repetitions; i++) {
        if (i === WARMUP_RUNS && context.perfDir)
          recording = await PerfRecording.start(join(context.perfDir, 'fanout.perf.data'));
        const { id } = await farm.trigger();
        const stamps = await fanoutStamps(farm, id);
        if (i < WARMUP_RUNS) continue;
        windows.push({ startNs: stamps.opened, endNs: stamps.last });
        samples.push(msBetween(stamps.opened, stamps.last));
        firstStarted.push(msBetween(stamps.opened, stamps.first));
        const openedMs = Number(stamps.opened / 1_000_000n);
        phases.finish.push(stamps.openerFinishedMs - openedMs);
        phases.queued.push(stamps.queuedMs - stamps.openerFinishedMs);
        phases.claimFirst.push(stamps.firstClaimedMs - stamps.openerFinishedMs);
        phases.claimLast.push(stamps.lastClaimedMs - stamps.openerFinishedMs);
        await sleep(100);
      }
      await recording?.stop();

      progress(`fanout: baseline, ${repetitions} × ${FANOUT} direct spawns at once`);
      const direct = (
        await runDirect({ mode: 'burst', command: STEP, count: WARMUP_RUNS + repetitions, concurrency: FANOUT })
      ).samples.slice(WARMUP_RUNS);
      report.figure({
        name: `fanout_${FANOUT}_all_started_ms`,
        unit: 'ms',
        value: median(samples),
        baseline: median(direct),
        baselineWhat: `${FANOUT} × bash -eo pipefail -c '${STEP}' spawned at once by a small Node process: first spawn() → latest timestamp`,
        samples: samples.length,
        target: { op: '<=', value: 50 },
      });
      report.diagnostic(`fanout_${FANOUT}_all_started_p99_ms`, percentile(samples, 99));
      report.diagnostic(`fanout_${FANOUT}_first_started_p50_ms`, median(firstStarted));
      // Where the time goes, database clock after the stamp: the stage-1 job's step → its job finished → stage 2 queued → its first and last claims.
      report.diagnostic(`fanout_${FANOUT}_phase_step_to_job_finished_p50_ms`, median(phases.finish));
      report.diagnostic(`fanout_${FANOUT}_phase_finished_to_queued_p50_ms`, median(phases.queued));
      report.diagnostic(`fanout_${FANOUT}_phase_finished_to_first_claimed_p50_ms`, median(phases.claimFirst));
      report.diagnostic(`fanout_${FANOUT}_phase_finished_to_last_claimed_p50_ms`, median(phases.claimLast));
      report.detail(`fanout_${FANOUT}_all_started_ms`, samples);
      report.detail(`fanout_${FANOUT}_direct_ms`, direct);
      if (recording) await reportFanoutPerf(context, farm, recording, windows);
    },
  );
}

/** What the machine's CPUs did between each measured run's stage-1 timestamp and its last stage-2 one. */
async function reportFanoutPerf(
  context: ScenarioContext,
  farm: Farm,
  recording: PerfRecording,
  windows: WallWindow[],
): Promise<void> {
  const roles = farm.perfRoles();
  progress('fanout: reading the perf recording');
  const jobs = windows.length * FANOUT;
  const summary = await summarizePerf(recording.dataFile, roles, jobs, windows);
  removePerfMaps(roles.keys());
  const totalMs = summary.reduce((sum, role) => sum + role.msPerJob, 0);
  const idleMs = summary.find((role) => role.role === 'idle')?.msPerJob ?? 0;
  context.report.diagnostic(
    `fanout_${FANOUT}_window_cpu_busy_percent`,
    totalMs > 0 ? (100 * (totalMs - idleMs)) / totalMs : Number.NaN,
  );
  context.report.detail('fanout_perf', summary);
  progress(
    `fanout: CPU per stage-2 job between the stage-1 timestamp and the last stage-2 one, ${windows.length} runs (perf)\n${formatPerf(summary)}`,
  );
}

interface FanoutStamps {
  /** The stage-1 step's timestamp, and the first and last of the stage-2 ones (ns, host clock). */
  opened: bigint;
  first: bigint;
  last: bigint;
  /** Database clock (ms): the stage-1 job finished, stage 2's first job queued, its first and last claims. */
  openerFinishedMs: number;
  queuedMs: number;
  firstClaimedMs: number;
  lastClaimedMs: number;
}

/** Waits for run `id` and reads the stage-1 timestamp and the first and last stage-2 ones from the logs. */
async function fanoutStamps(farm: Farm, id: string): Promise<FanoutStamps> {
  const run = await farm.waitRun(id, { firstDelayMs: 50, intervalMs: 20, timeoutMs: 60_000 });
  const [open, fan] = run.stages;
  const opener = open?.jobs[0];
  if (!opener || !fan || fan.jobs.length !== FANOUT) throw new Error(`run ${id} lacks its stages`);
  const [opened] = timestampsIn(await farm.log(id, opener.id));
  if (opened === undefined) throw new Error(`run ${id}: no timestamp in the stage-1 log`);
  const started: bigint[] = [];
  for (const job of fan.jobs) {
    const [stamp] = timestampsIn(await farm.log(id, job.id));
    if (stamp === undefined) throw new Error(`run ${id}: no timestamp in the log of job ${job.name}`);
    started.push(stamp);
  }
  started.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const claimed = fan.jobs.map((job) => isoMs(job.startedAt)).sort((a, b) => a - b);
  return {
    opened,
    first: started[0] as bigint,
    last: started[FANOUT - 1] as bigint,
    openerFinishedMs: isoMs(opener.finishedAt),
    queuedMs: Math.min(...fan.jobs.map((job) => isoMs(job.queuedAt))),
    firstClaimedMs: claimed[0] as number,
    lastClaimedMs: claimed[FANOUT - 1] as number,
  };
}
