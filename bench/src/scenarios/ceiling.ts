/**
 * Controller ceiling: the real controller, Postgres and nats-server with
 * simulated agents (bench/src/sim-agents.ts --work, their own process) that
 * claim, report, stream a line of log and finish each job without running
 * any process, so only the controller and its services are measured. The
 * farm first runs a warm-up at a steady rate (the controller's code is
 * compiled by V8 as it runs: its first thousand jobs cost it about one and
 * a half to two times what later ones do, which a controller that runs for
 * days pays once). Then load comes in steps of increasing rate (runs of a 50-cell no-op matrix
 * triggered open-loop) until the farm no longer keeps up; for each step the
 * completed jobs/s and the dispatch p99 (job queued → claimed, database
 * clock). Figure: the highest completed rate whose dispatch p99 stays
 * ≤ 100 ms. Baseline: one Node process doing a write transaction and a
 * JetStream publish per operation on the same services
 * (src/infra-baseline.ts). CPU per job of the controller, Postgres,
 * nats-server and the simulated agents over the ladder (after the warm-up),
 * and the rates one core of the controller or of Postgres, or every core of
 * this machine, would allow at that cost.
 */
import { availableParallelism } from 'node:os';
import pg from 'pg';
import { noopMatrixPipeline, sleep, withFarm } from '../farm.js';
import { measureInfraRate } from '../infra-baseline.js';
import { type LoadStep, runLoadStep } from '../load-step.js';
import { cpuTimes, cpuWithDescendants, findPostmaster, treeCpuMs } from '../proc.js';
import { progress } from '../report.js';
import { type SimAgents, startSimAgents, stopSimAgents } from '../sim-process.js';
import type { Scenario, ScenarioContext } from './types.js';

const JOBS_PER_RUN = 50;
const SIM_AGENTS = 16;
const SIM_SLOTS = 8;
const DISPATCH_P99_LIMIT_MS = 100;
const FULL_RATES = [50, 100, 200, 250, 300, 350, 400, 500, 600, 800, 1000, 1200, 1600, 2000];
const QUICK_RATES = [50, 100, 200, 250, 300, 350, 400, 500, 600, 800];
/** The warm-up's steady rate: well under what the farm sustains, so that it measures cost, not queueing. */
const WARMUP_JOBS_PER_SECOND = 100;

const noopMatrix = noopMatrixPipeline('bench-ceiling', JOBS_PER_RUN);

export const ceilingScenario: Scenario = {
  name: 'ceiling',
  description: `controller jobs/s with dispatch p99 ≤ ${DISPATCH_P99_LIMIT_MS} ms, ${SIM_AGENTS} simulated agents × ${SIM_SLOTS} slots, rising load`,
  run: runCeiling,
};

async function runCeiling(context: ScenarioContext): Promise<void> {
  const { report, quick } = context;
  const rates = quick ? QUICK_RATES : FULL_RATES;
  const holdMs = quick ? 3000 : 8000;
  const warmupMs = quick ? 15_000 : 30_000;
  await withFarm(
    {
      name: 'ceiling',
      postgres: context.postgres,
      database: 'postgres',
      files: { '.gantry.yml': noopMatrix },
      agents: 0,
      slots: 1,
      profileDir: context.profileDir,
    },
    async (farm) => {
      let sim: SimAgents | undefined;
      const db = new pg.Client({ connectionString: farm.databaseUrl });
      await db.connect();
      try {
        progress(`ceiling: starting ${SIM_AGENTS} simulated agents × ${SIM_SLOTS} slots`);
        sim = await startSimAgents(farm, { count: SIM_AGENTS, queue: 'default', workSlots: SIM_SLOTS });
        await farm.waitRun((await farm.trigger()).id, { intervalMs: 100, timeoutMs: 60_000 });
        await sleep(1000);

        const postmaster = findPostmaster(Number(new URL(context.postgres.url).port));
        const snapshot = () => ({
          controller: cpuWithDescendants(farm.controller.pid),
          postgres: postmaster ? treeCpuMs(postmaster) : Number.NaN,
          nats: cpuTimes(farm.nats.pid).selfMs,
          sim: cpuTimes((sim as SimAgents).child.pid).selfMs,
        });
        const stepOptions = { jobsPerRun: JOBS_PER_RUN, sha: farm.repo.sha, maxInFlight: 64, drainTimeoutMs: 120_000 };

        progress(`ceiling: warm-up, ${WARMUP_JOBS_PER_SECOND} jobs/s for ${warmupMs / 1000} s`);
        const cold = snapshot();
        const warmup = await runLoadStep(farm, db, {
          ...stepOptions,
          jobsPerSecond: WARMUP_JOBS_PER_SECOND,
          holdMs: warmupMs,
        });
        if (warmup.failedJobs > 0) throw new Error(`${warmup.failedJobs} jobs of the warm-up did not succeed`);
        const before = snapshot();
        report.diagnostic('ceiling_warmup_jobs', warmup.jobs);
        report.diagnostic(
          'ceiling_warmup_controller_cpu_ms_per_job',
          (before.controller.selfMs - cold.controller.selfMs) / warmup.jobs,
        );

        const steps: LoadStep[] = [];
        for (const rate of rates) {
          progress(`ceiling: ${rate} jobs/s for ${holdMs / 1000} s`);
          const stepStart = cpuTimes(farm.controller.pid).selfMs;
          const step = await runLoadStep(farm, db, { ...stepOptions, jobsPerSecond: rate, holdMs });
          steps.push(step);
          report.diagnostic(
            `ceiling_step_${rate}_controller_cpu_ms_per_job`,
            (cpuTimes(farm.controller.pid).selfMs - stepStart) / step.jobs,
          );
          progress(
            `ceiling: ${rate} offered → ${step.completedJobsPerSecond.toFixed(0)} jobs/s, dispatch p50 ${step.dispatchP50Ms.toFixed(1)} ms, p99 ${step.dispatchP99Ms.toFixed(1)} ms; a run's jobs all offered after ${step.runPublishedP50Ms.toFixed(0)} ms, claimed ${step.runFirstClaimP50Ms.toFixed(0)}-${step.runLastClaimP50Ms.toFixed(0)} ms (medians)`,
          );
          report.diagnostic(`ceiling_step_${rate}_jobs_per_s`, step.completedJobsPerSecond);
          report.diagnostic(`ceiling_step_${rate}_dispatch_p99_ms`, step.dispatchP99Ms);
          // A run's 50 jobs are queued at once: how long until all are offered, and claimed.
          report.diagnostic(`ceiling_step_${rate}_run_published_p50_ms`, step.runPublishedP50Ms);
          report.diagnostic(`ceiling_step_${rate}_run_first_claim_p50_ms`, step.runFirstClaimP50Ms);
          report.diagnostic(`ceiling_step_${rate}_run_last_claim_p50_ms`, step.runLastClaimP50Ms);
          if (step.failedJobs > 0)
            throw new Error(`${step.failedJobs} jobs of the ${rate} jobs/s step did not succeed`);
          // Saturated: the farm fell well behind the offered rate, so a higher one only queues.
          if (step.completedJobsPerSecond < 0.75 * rate) break;
        }
        const after = snapshot();
        const jobs = steps.reduce((sum, step) => sum + step.jobs, 0);
        await stopSimAgents(sim);
        // Their last status line, printed once every claimed job was finished.
        const counters = sim.latest();
        sim = undefined;

        progress('ceiling: baseline, write transaction + JetStream publish from one Node process');
        const baseline = await measureInfraRate({
          databaseUrl: farm.databaseUrl,
          natsUrl: farm.nats.url,
          durationMs: quick ? 3000 : 6000,
          concurrency: 16,
        });

        const within = steps.filter((step) => step.dispatchP99Ms <= DISPATCH_P99_LIMIT_MS);
        const ceiling = Math.max(0, ...within.map((step) => step.completedJobsPerSecond));
        report.figure({
          name: 'ceiling_jobs_per_s',
          unit: 'jobs/s',
          value: ceiling,
          baseline: baseline.opsPerSecond,
          baselineWhat:
            'one Node process on the same Postgres and nats-server: BEGIN, INSERT one row, COMMIT, then a JetStream publish awaited until acked, 16 in flight',
          samples: jobs,
          target: { op: '>=', value: 600 },
        });
        const perJob = (what: keyof typeof before, field?: 'selfMs' | 'childrenMs') => {
          const read = (s: typeof before) => {
            const value = s[what];
            return typeof value === 'number' ? value : value[field ?? 'selfMs'];
          };
          return (read(after) - read(before)) / jobs;
        };
        const controllerMs = perJob('controller');
        const postgresMs = perJob('postgres');
        report.figure({
          name: 'ceiling_controller_cpu_ms_per_job',
          unit: 'ms',
          value: controllerMs,
          baseline: baseline.cpuMsPerOp,
          baselineWhat:
            'CPU ms the baseline Node process spent per operation (one write transaction + one acked JetStream publish)',
          samples: jobs,
          target: { op: '<=', value: 3 },
        });
        const controllerChildrenMs = perJob('controller', 'childrenMs');
        report.diagnostic('ceiling_controller_children_cpu_ms_per_job', controllerChildrenMs);
        report.diagnostic('ceiling_postgres_cpu_ms_per_job', postgresMs);
        report.diagnostic('ceiling_nats_cpu_ms_per_job', perJob('nats'));
        report.diagnostic('ceiling_sim_agents_cpu_ms_per_job', perJob('sim'));
        report.diagnostic('ceiling_controller_bound_jobs_per_s', 1000 / controllerMs);
        report.diagnostic('ceiling_postgres_bound_jobs_per_s', 1000 / postgresMs);
        // Everything a job costs on this machine, and the rate at which it would fill every core.
        const farmMs = controllerMs + controllerChildrenMs + postgresMs + perJob('nats') + perJob('sim');
        report.diagnostic('ceiling_farm_cpu_ms_per_job', farmMs);
        report.diagnostic('ceiling_machine_bound_jobs_per_s', (availableParallelism() * 1000) / farmMs);
        report.diagnostic(
          'ceiling_saturation_jobs_per_s',
          Math.max(0, ...steps.map((step) => step.completedJobsPerSecond)),
        );
        report.diagnostic('ceiling_jobs', jobs);
        report.diagnostic('ceiling_baseline_ops', baseline.ops);
        report.detail('ceiling_steps', steps);
        report.detail('ceiling_sim_agents', counters);
      } finally {
        await db.end().catch(() => {});
        if (sim) await stopSimAgents(sim);
      }
    },
  );
}
