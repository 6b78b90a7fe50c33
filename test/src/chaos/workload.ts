/**
 * The chaos workload, drawn from the seed: runs over a few git repositories,
 * each run its own commit with a pipeline of 2–4 stages of 1–3 parallel jobs.
 * Every job runs chaos-job.sh, which prints self-describing sequenced lines a
 * little apart (so faults land mid-job) and appends start/tick/end events
 * with wall-clock nanoseconds to $CHAOS_EVENTS (the pipeline's env), naming
 * the agent by $LC_CHAOS_AGENT (set in each agent's environment; steps inherit LC_* variables).
 */
import type { Prng } from './prng.js';

export interface JobPlan {
  name: string;
  /** Lines the job prints: `seq=1 … seq=lines`. */
  lines: number;
  /** Pause after each line. */
  sleepMs: number;
}

export interface StagePlan {
  name: string;
  jobs: JobPlan[];
}

export interface RunPlan {
  index: number;
  /** Index into the workload's repositories. */
  repo: number;
  /** The Idempotency-Key of its trigger. */
  key: string;
  stages: StagePlan[];
  /** POSTs sent concurrently with the same key (1 = no duplicate). */
  copies: number;
  /** Trigger once more with the same key after the run is done (expects 200, same run). */
  resendAfterDone: boolean;
  /** Triggered by a controller-crash fault just before its kill -9 (with 3 concurrent copies), not by the paced loop. */
  duringCrash: boolean;
}

export interface WorkloadPlan {
  runs: RunPlan[];
  totalJobs: number;
}

/** Jobs lost this many times (agent crashes, zombies, controller outages) still run again. */
export const RETRY_LOST = 6;

export const JOB_SCRIPT = `#!/usr/bin/env bash
# Chaos workload job: prints LINES self-describing sequenced lines, PAUSE seconds apart,
# and appends "kind jobId attempt seq unixNanos agent" events to $CHAOS_EVENTS.
set -euo pipefail
lines=$1
pause=$2
event() {
  printf '%s %s %s %s %s %s\\n' "$1" "$GANTRY_JOB_ID" "$GANTRY_ATTEMPT" "$2" "$(date +%s%N)" "\${LC_CHAOS_AGENT:-unknown}" >> "$CHAOS_EVENTS"
}
event start 0
for ((k = 1; k <= lines; k++)); do
  echo "CHAOS run=$GANTRY_RUN_ID job=$GANTRY_JOB_ID attempt=$GANTRY_ATTEMPT seq=$k of=$lines"
  event tick "$k"
  sleep "$pause"
done
event end "$lines"
`;

/**
 * Runs until `jobs` is reached, then `crashTriggers` more (one per controller
 * crash) that the faults trigger while the controller dies.
 */
export function planWorkload(
  prng: Prng,
  options: { jobs: number; repos: number; duplicateShare: number; crashTriggers: number },
): WorkloadPlan {
  const runs: RunPlan[] = [];
  let totalJobs = 0;
  let crashRuns = 0;
  while (totalJobs < options.jobs || crashRuns < options.crashTriggers) {
    const index = runs.length;
    const duringCrash = totalJobs >= options.jobs;
    if (duringCrash) crashRuns++;
    const stageCount = prng.int(2, 4);
    const stages: StagePlan[] = [];
    for (let s = 0; s < stageCount; s++) {
      const jobCount = prng.int(1, s === 0 ? 2 : 3);
      const jobs: JobPlan[] = [];
      for (let j = 0; j < jobCount; j++) {
        jobs.push({ name: `job${j + 1}`, lines: prng.int(3, 8), sleepMs: prng.int(100, 400) });
      }
      stages.push({ name: `stage${s + 1}`, jobs });
      totalJobs += jobCount;
    }
    runs.push({
      index,
      repo: prng.int(0, options.repos - 1),
      key: `chaos-${prng.seed}-${index}`,
      stages,
      copies: duringCrash ? 3 : prng.chance(options.duplicateShare) ? prng.int(2, 4) : 1,
      resendAfterDone: prng.chance(0.1),
      duringCrash,
    });
  }
  return { runs, totalJobs };
}

/**
 * The `.gantry.yml` of a run's commit. Steps see no agent environment, so the
 * events file reaches them as pipeline `env`.
 */
export function pipelineFile(run: RunPlan, eventsFile: string): string {
  const lines = [`name: chaos-${run.index}`, `env: { CHAOS_EVENTS: ${JSON.stringify(eventsFile)} }`, 'stages:'];
  for (const stage of run.stages) {
    lines.push(`  - name: ${stage.name}`, '    jobs:');
    for (const job of stage.jobs) {
      const pause = (job.sleepMs / 1000).toFixed(3);
      lines.push(`      - name: ${job.name}`);
      lines.push(`        steps: ["./chaos-job.sh ${job.lines} ${pause}"]`);
      lines.push(`        retry: { lost: ${RETRY_LOST} }`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Lines each job of the run prints, by "stage/job" name. */
export function expectedLines(run: RunPlan): Map<string, number> {
  const expected = new Map<string, number>();
  for (const stage of run.stages) for (const job of stage.jobs) expected.set(`${stage.name}/${job.name}`, job.lines);
  return expected;
}
