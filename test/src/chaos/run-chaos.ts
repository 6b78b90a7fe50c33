/**
 * One chaos run: plan the workload and the faults from the seed, start the
 * farm, trigger the runs (paced, with duplicate triggers) while the faults
 * are injected, wait (bounded) for every run to end, then check. The work dir
 * (events file, farm logs) is kept when the check fails and deleted otherwise.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { api, createGitRepo, type GitRepo, startPostgres } from '../harness/index.js';
import { type ChaosFarm, startChaosFarm } from './chaos-farm.js';
import { type ChaosFigures, checkChaos } from './checker.js';
import { pollUntil } from './clock.js';
import { readEvents } from './events.js';
import { type FaultRecord, injectFault, type PlannedFault, planFaults } from './faults.js';
import type { ChaosOptions } from './options.js';
import { Oracle, TERMINAL_RUN } from './oracle.js';
import { Prng } from './prng.js';
import { runIdOf, type TriggerRecord, triggerConcurrently } from './triggers.js';
import { JOB_SCRIPT, pipelineFile, planWorkload, type RunPlan, type WorkloadPlan } from './workload.js';

export interface ChaosReport {
  options: ChaosOptions;
  plannedFaults: PlannedFault[];
  faults: FaultRecord[];
  figures: ChaosFigures;
  violations: string[];
  /** Wall clock (ms) at the start. */
  startedAt: number;
  durationMs: number;
  /** The kept work dir (farm logs, events) when there were violations. */
  keptDir: string | undefined;
}

const TRIGGER_TIMEOUT_MS = 60_000;
/** Pacing gives up waiting for a free in-flight place after this long (a stuck run must not stall the workload). */
const PACING_STALL_MS = 60_000;

/**
 * `databaseUrl`: the database to use on a shared server. With Postgres faults
 * planned the run starts a server of its own (it kills it) and ignores it.
 */
export async function runChaos(
  options: ChaosOptions,
  input: { databaseUrl: string; log?: (message: string) => void },
): Promise<ChaosReport> {
  const started = Date.now();
  const log = (message: string) => input.log?.(`[chaos +${((Date.now() - started) / 1000).toFixed(1)}s] ${message}`);
  const prng = new Prng(options.seed);
  const plan = planWorkload(prng.fork('workload'), { ...options, crashTriggers: options.faults.controllerCrash });
  const plannedFaults = planFaults(prng.fork('faults'), options.faults, plan.totalJobs);
  log(
    `${plan.runs.length} runs, ${plan.totalJobs} jobs; faults ${plannedFaults.map((f) => `${f.kind}@${f.afterJobs}`).join(' ')}`,
  );

  const dir = await mkdtemp(join(tmpdir(), `gantry-chaos-${options.seed}-`));
  const eventsFile = join(dir, 'events.log');
  await writeFile(eventsFile, '');
  const repos: GitRepo[] = [];
  const postgres = options.faults.postgresRestart > 0 ? await startPostgres() : undefined;
  const databaseUrl = postgres ? await postgres.createDatabase() : input.databaseUrl;
  const oracle = new Oracle(databaseUrl);
  let farm: ChaosFarm | undefined;
  let keptDir: string | undefined;
  try {
    const shas = await commitWorkload(plan, options.repos, repos, eventsFile);
    farm = await startChaosFarm({ options, databaseUrl, ...(postgres ? { postgres } : {}), dir });
    log(
      `farm up: controllers ${farm.controllers.map((c) => c.httpUrl).join(' ')}, ${farm.agents.length} agents × ${options.slotsPerAgent} slots`,
    );
    const errors: string[] = [];
    const deadline = started + options.deadlineMs;
    const triggers: TriggerRecord[] = [];
    const faults: FaultRecord[] = [];
    const target = { httpUrl: farm.controller.httpUrl, adminToken: farm.adminToken };
    const activeFarm = farm;

    const body = (run: RunPlan) => {
      const repo = repos[run.repo] as GitRepo;
      return { repo: repo.path, ref: repo.branch, sha: shas[run.index] as string };
    };
    const trigger = async (run: RunPlan, copies: number) => {
      let record = triggers.find((t) => t.key === run.key);
      if (!record) {
        record = { key: run.key, runIndex: run.index, responses: [] };
        triggers.push(record);
      }
      const failed = await triggerConcurrently(target, record, body(run), copies, TRIGGER_TIMEOUT_MS);
      errors.push(...failed.map((error) => error.message));
      return record;
    };
    const crashRuns = plan.runs.filter((run) => run.duringCrash);
    const pacedRuns = plan.runs.filter((run) => !run.duringCrash);
    const sendCrashTrigger = async () => {
      const run = crashRuns.shift();
      if (run) await trigger(run, run.copies);
    };

    const triggerLoop = async () => {
      const inFlight = new Set<string>();
      for (const run of pacedRuns) {
        const free = await pollUntil(
          async () => {
            const statuses = await oracle.runStatuses([...inFlight]);
            for (const [id, status] of statuses) if (TERMINAL_RUN.includes(status)) inFlight.delete(id);
            return inFlight.size < options.maxRunsInFlight ? true : undefined;
          },
          { timeoutMs: Math.min(PACING_STALL_MS, Math.max(0, deadline - Date.now())), intervalMs: 250 },
        );
        if (!free) log(`pacing stalled with ${inFlight.size} runs in flight; triggering run ${run.index} anyway`);
        const record = await trigger(run, run.copies);
        const id = runIdOf(record);
        if (id) inFlight.add(id);
      }
      log(`all ${pacedRuns.length} paced runs triggered`);
    };

    const faultLoop = async () => {
      for (const fault of plannedFaults) {
        const reached = await pollUntil(
          async () => ((await oracle.terminalJobCount()) >= fault.afterJobs ? true : undefined),
          { timeoutMs: Math.max(0, deadline - Date.now()), intervalMs: 250 },
        );
        if (!reached) {
          errors.push(
            `fault ${fault.kind} (after ${fault.afterJobs} jobs) never fired: the workload did not get there`,
          );
          continue;
        }
        const record = await injectFault(fault, {
          farm: activeFarm,
          oracle,
          leaseTtlMs: options.leaseTtlMs,
          eventsFile,
          sendCrashTrigger,
        });
        faults.push(record);
        log(`${record.kind} ${record.target}: ${record.detail}`);
      }
    };

    const progress = setInterval(() => {
      void oracle
        .terminalJobCount()
        .then((done) =>
          log(`${done}/${plan.totalJobs} jobs done, ${triggers.length}/${plan.runs.length} runs triggered`),
        )
        .catch(() => {});
    }, 15_000);
    try {
      const outcomes = await Promise.allSettled([triggerLoop(), faultLoop()]);
      for (const outcome of outcomes) {
        if (outcome.status === 'rejected') errors.push(`chaos driver failed: ${(outcome.reason as Error).stack}`);
      }
      // Crash-time runs whose fault never fired still belong to the workload.
      while (crashRuns.length > 0) await sendCrashTrigger();
      const ids = triggers.map(runIdOf).filter((id): id is string => id !== undefined);
      const allDone = await pollUntil(
        async () => {
          const statuses = await oracle.runStatuses(ids);
          return [...statuses.values()].every((status) => TERMINAL_RUN.includes(status)) ? true : undefined;
        },
        { timeoutMs: Math.max(0, deadline - Date.now()), intervalMs: 500 },
      );
      if (!allDone) errors.push(`not every run ended within the ${options.deadlineMs} ms bound`);
    } finally {
      clearInterval(progress);
    }
    log('workload over; late duplicate triggers, then checking');

    for (const run of plan.runs.filter((r) => r.resendAfterDone)) await trigger(run, 1);

    const result = await checkChaos({
      plan,
      triggers,
      faults,
      oracle,
      events: await readEvents(eventsFile),
      controllerLog: farm.controllers.map((controller) => controller.logs()).join('\n'),
      controllers: options.controllers,
      agentLogs: farm.agents.map((agent) => agent.process.logs()),
      readJobLog: (runId, jobId) => readJobLog(target, runId, jobId),
    });
    const violations = [...errors, ...result.violations];
    if (violations.length > 0 || options.keep) {
      keptDir = dir;
      await writeControllerLogs(farm, dir);
      for (const agent of farm.agents) await writeFile(join(dir, `${agent.name}.log`), agent.process.logs());
    }
    return {
      options,
      plannedFaults,
      faults,
      figures: result.figures,
      violations,
      startedAt: started,
      durationMs: Date.now() - started,
      keptDir,
    };
  } catch (error) {
    keptDir = dir;
    if (farm) {
      await writeControllerLogs(farm, dir).catch(() => {});
      for (const agent of farm.agents)
        await writeFile(join(dir, `${agent.name}.log`), agent.process.logs()).catch(() => {});
    }
    throw new Error(`chaos run (seed ${options.seed}) failed; farm logs in ${dir}`, { cause: error });
  } finally {
    await farm?.stop();
    await oracle.close().catch(() => {});
    await postgres?.stop();
    await Promise.all(repos.map((repo) => repo.remove()));
    if (keptDir === undefined) await rm(dir, { recursive: true, force: true });
  }
}

/** The repositories (with chaos-job.sh) and one commit per run; returns each run's sha. */
async function commitWorkload(
  plan: WorkloadPlan,
  repoCount: number,
  repos: GitRepo[],
  eventsFile: string,
): Promise<string[]> {
  for (let i = 0; i < repoCount; i++) {
    repos.push(await createGitRepo({ 'chaos-job.sh': JOB_SCRIPT, 'README.md': `chaos repository ${i}\n` }));
  }
  const shas: string[] = [];
  for (const run of plan.runs) {
    const repo = repos[run.repo] as GitRepo;
    shas[run.index] = await repo.commit({ '.gantry.yml': pipelineFile(run, eventsFile) }, `chaos run ${run.index}`);
  }
  return shas;
}

async function readJobLog(
  target: { httpUrl: string; adminToken: string },
  runId: string,
  jobId: string,
): Promise<{ status: number; text: string }> {
  try {
    const { data, error, response } = await api(target.httpUrl, target.adminToken).GET(
      '/api/runs/{id}/jobs/{jobId}/log',
      { params: { path: { id: runId, jobId } }, parseAs: 'text' },
    );
    return { status: response.status, text: data ?? JSON.stringify(error) };
  } catch (error) {
    return { status: 0, text: (error as Error).message };
  }
}

async function writeControllerLogs(farm: ChaosFarm, dir: string): Promise<void> {
  for (const [index, controller] of farm.controllers.entries()) {
    await writeFile(join(dir, index === 0 ? 'controller.log' : `controller-${index + 1}.log`), controller.logs());
  }
}
