/**
 * Fan-out start: a two-stage pipeline whose stage-1 job prints its timestamp
 * (`date +%s%N`) as its last action and whose stage 2 is a 16-cell matrix of
 * jobs each printing one as its first action, on 4 agents × 4 slots (16 slots,
 * all free when stage 2 opens: the stage-1 job's slot is released as it
 * finishes). Figure: stage-1 timestamp → the latest of the 16 stage-2
 * timestamps, read back from the job logs through the API; median over the
 * repetitions. Baseline: 16 `bash -eo pipefail -c 'date +%s%N'` spawned at
 * once by a small Node process, first spawn() → the latest timestamp.
 */
import { msBetween } from '../clock.js';
import { runDirect, timestampsIn } from '../direct.js';
import { type Farm, pipelineFile, sleep, withFarm } from '../farm.js';
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
    },
    async (farm) => {
      progress(`fanout: ${WARMUP_RUNS} warm-up runs, then ${repetitions} measured`);
      const samples: number[] = [];
      const firstStarted: number[] = [];
      for (let i = 0; i < WARMUP_RUNS + repetitions; i++) {
        const { id } = await farm.trigger();
        const stamps = await fanoutStamps(farm, id);
        if (i < WARMUP_RUNS) continue;
        samples.push(msBetween(stamps.opened, stamps.last));
        firstStarted.push(msBetween(stamps.opened, stamps.first));
        await sleep(100);
      }

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
      report.detail(`fanout_${FANOUT}_all_started_ms`, samples);
      report.detail(`fanout_${FANOUT}_direct_ms`, direct);
    },
  );
}

/** Waits for run `id` and reads the stage-1 timestamp and the first and last stage-2 ones from the logs. */
async function fanoutStamps(farm: Farm, id: string): Promise<{ opened: bigint; first: bigint; last: bigint }> {
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
  return { opened, first: started[0] as bigint, last: started[FANOUT - 1] as bigint };
}
