/**
 * The checker: after the workload, reads the database, the events file, the
 * committed logs (through the API, as a user sees them) and the farm's logs,
 * and turns every broken promise into a violation. Figures are gathered even
 * when something fails, so a failing run still prints what happened.
 */
import { type EventsSummary, type Execution, executionKey } from './events.js';
import type { FaultKind, FaultRecord } from './faults.js';
import { countFences, type FenceCounts } from './log-lines.js';
import type { AttemptRow, JobRow, Oracle, RunRow } from './oracle.js';
import type { TriggerRecord } from './triggers.js';
import type { WorkloadPlan } from './workload.js';

export interface ChaosFigures {
  runs: { planned: number; inDatabase: number; succeeded: number; lost: number };
  jobs: { planned: number; inDatabase: number; nonTerminal: number };
  triggers: { keys: number; posts: number; created: number; replayed: number; retriedThroughOutage: number };
  attempts: { total: number; lost: number; retriedJobs: number; maxAttempt: number };
  fences: FenceCounts;
  overlappingLeases: number;
  concurrentExecutions: { outsidePauses: number; duringPauses: number; pauseHitJobs: number };
  duplicateExecutions: number;
  unclaimedExecutions: number;
  logs: { checked: number; incomplete: number; foreignLines: number };
  /** Longest wall time from an agent's kill -9 to the next attempt of a job it held starting (ms). */
  agentDeathToRerunMs: number | null;
  /** Longest wall time from an agent's kill -9 to its attempt ending `lost` (ms). */
  agentDeathToLostMs: number | null;
  /** Longest time a paused agent's step went on printing after SIGCONT before the agent killed it (ms). */
  zombieRunOnMs: number | null;
  /** Attempts that had started a step, on an agent no fault hit, and still ended `lost` (a dead replica or database cost them their lease). */
  rerunWithoutAgentFault: number;
  /** Per fault kind, the longest time from the fault to the next job attempt finishing (ms): how long work paused. */
  workPausedMs: Partial<Record<FaultKind, number>>;
}

export interface CheckInput {
  plan: WorkloadPlan;
  triggers: TriggerRecord[];
  faults: FaultRecord[];
  oracle: Pick<Oracle, 'runs' | 'jobs' | 'attempts' | 'attemptFates'>;
  events: EventsSummary;
  controllerLog: string;
  agentLogs: string[];
  /** Controller replicas of the farm: with one, a controller crash longer than the fence may re-run jobs. */
  controllers: number;
  /** The committed log of a job through `GET /api/runs/:id/jobs/:jobId/log`. */
  readJobLog(runId: string, jobId: string): Promise<{ status: number; text: string }>;
}

export interface CheckResult {
  figures: ChaosFigures;
  violations: string[];
}

const LINE = /CHAOS run=(\S+) job=(\S+) attempt=(\d+) seq=(\d+) of=(\d+)/g;
const SHOWN = 5;

export async function checkChaos(input: CheckInput): Promise<CheckResult> {
  const violations: string[] = [];
  const report = (what: string, items: string[]) => {
    if (items.length === 0) return;
    const more = items.length > SHOWN ? ` (and ${items.length - SHOWN} more)` : '';
    violations.push(`${what}: ${items.length}${more}\n    ${items.slice(0, SHOWN).join('\n    ')}`);
  };
  const [runs, jobs, attempts] = [await input.oracle.runs(), await input.oracle.jobs(), await input.oracle.attempts()];
  const attemptsByJob = groupBy(attempts, (a) => a.jobId);

  const runByKey = checkTriggers(input.triggers, runs, report);
  const runsSucceeded = runs.filter((run) => run.status === 'succeeded').length;
  report(
    'runs that did not succeed',
    runs.filter((run) => run.status !== 'succeeded').map((run) => describeRun(run, jobs, attemptsByJob)),
  );
  const nonTerminal = jobs.filter((job) => !['succeeded', 'failed', 'canceled', 'timed_out'].includes(job.status));
  report(
    'non-terminal jobs',
    nonTerminal.map((job) => `${job.id} ${job.stage}/${job.name} ${job.status} attempt ${job.attempt}`),
  );

  const overlaps = checkLeases(jobs, attemptsByJob, report);
  const pauseHit = pauseHitJobs(input.faults, attempts, input.events);
  const concurrency = checkExecutions(input.events, attempts, pauseHit, report);
  const logs = await checkLogs(input, jobs, runByKey, report);

  const statusByAttempt = new Map(attempts.map((a) => [executionKey(a.jobId, a.attempt), a.status]));
  const fences = countFences(input.controllerLog, input.agentLogs, (jobId, attempt) =>
    statusByAttempt.get(executionKey(jobId, attempt)),
  );
  // Every attempt the reaper ended `lost` under a paused agent must have been fenced somehow: its
  // agent, on waking, either gave it up on its own (no renewal for most of the TTL) or was refused
  // by the controller. Which comes first is a race, so any of them counts. One the agent finished
  // just before the SIGSTOP landed (it was listed as held a moment earlier) owes no fence.
  const fencedAttempts = new Set(fences.fencedAttempts);
  const unfenced = input.faults
    .filter((fault) => fault.kind === 'agentPause')
    .flatMap((fault) => fault.held.map((held) => executionKey(held.jobId, held.attempt)))
    .filter((key) => statusByAttempt.get(key) === 'lost' && !fencedAttempts.has(key));
  if (unfenced.length > 0 && fences.unattributed === 0) {
    violations.push(
      `no fence observed for ${unfenced.length} attempts reaped while their agent was paused past the lease TTL: ${unfenced.slice(0, SHOWN).join(', ')}`,
    );
  }
  if (fences.truncated) violations.push('a farm log outgrew its capture buffer; fence counts may be low');

  const rerunWithoutAgentFault = checkNoRerunWithoutAgentFault(input, attempts, report);

  // A lost run: a trigger of the workload whose run is missing or did not succeed.
  const lostRuns = input.plan.runs.filter((run) => runByKey.get(run.key)?.status !== 'succeeded').length;
  return {
    figures: {
      runs: { planned: input.plan.runs.length, inDatabase: runs.length, succeeded: runsSucceeded, lost: lostRuns },
      jobs: { planned: input.plan.totalJobs, inDatabase: jobs.length, nonTerminal: nonTerminal.length },
      triggers: triggerFigures(input.triggers),
      attempts: {
        total: attempts.length,
        lost: attempts.filter((a) => a.status === 'lost').length,
        retriedJobs: jobs.filter((job) => job.attempt > 1).length,
        maxAttempt: Math.max(0, ...jobs.map((job) => job.attempt)),
      },
      fences,
      overlappingLeases: overlaps,
      concurrentExecutions: { ...concurrency.concurrent, pauseHitJobs: pauseHit.size },
      duplicateExecutions: concurrency.duplicates,
      unclaimedExecutions: concurrency.unclaimed,
      logs,
      zombieRunOnMs: zombieRunOn(input.faults, input.events),
      rerunWithoutAgentFault,
      workPausedMs: workPauses(input.faults, attempts),
      ...(await agentDeathFigures(input.faults, input.oracle, attempts)),
    },
    violations,
  };
}

type Report = (what: string, items: string[]) => void;

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const list = groups.get(key(item)) ?? [];
    list.push(item);
    groups.set(key(item), list);
  }
  return groups;
}

function describeRun(run: RunRow, jobs: JobRow[], attemptsByJob: Map<string, AttemptRow[]>): string {
  const bad = jobs
    .filter((job) => job.runId === run.id && job.status !== 'succeeded')
    .map((job) => {
      const history = (attemptsByJob.get(job.id) ?? []).map(
        (a) => `${a.attempt}:${a.status}${a.message ? `(${a.message})` : ''}`,
      );
      return `${job.stage}/${job.name}=${job.status} [${history.join(' ')}]`;
    });
  return `run ${run.id} (${run.idempotencyKey}) ${run.status}${run.error ? `: ${run.error}` : ''} ${bad.join('; ')}`;
}

/** Every key → exactly one run, the same in every answer; no run without a key. Returns key → run. */
function checkTriggers(triggers: TriggerRecord[], runs: RunRow[], report: Report): Map<string, RunRow> {
  const byKey = groupBy(
    runs.filter((run) => run.idempotencyKey !== null),
    (run) => run.idempotencyKey as string,
  );
  const problems: string[] = [];
  const runByKey = new Map<string, RunRow>();
  for (const trigger of triggers) {
    const ids = new Set(trigger.responses.map((response) => response.runId ?? `(status ${response.status})`));
    const stored = byKey.get(trigger.key) ?? [];
    const created = trigger.responses.filter((response) => response.status === 201).length;
    if (ids.size !== 1 || stored.length !== 1 || !ids.has(stored[0]?.id ?? '') || created > 1) {
      problems.push(
        `key ${trigger.key}: answers ${[...ids].join(',')} (${created}×201), runs in database ${stored.map((r) => r.id).join(',') || 'none'}`,
      );
    }
    if (stored[0]) runByKey.set(trigger.key, stored[0]);
  }
  const keys = new Set(triggers.map((trigger) => trigger.key));
  for (const run of runs) {
    if (run.idempotencyKey === null || !keys.has(run.idempotencyKey)) {
      problems.push(`run ${run.id} has no trigger of this workload (key ${run.idempotencyKey})`);
    }
  }
  report('triggers not mapping to exactly one run', problems);
  return runByKey;
}

function triggerFigures(triggers: TriggerRecord[]): ChaosFigures['triggers'] {
  const responses = triggers.flatMap((trigger) => trigger.responses);
  return {
    keys: triggers.length,
    posts: responses.length,
    created: responses.filter((response) => response.status === 201).length,
    replayed: responses.filter((response) => response.status === 200).length,
    retriedThroughOutage: responses.filter((response) => response.failures > 0).length,
  };
}

/** Attempts of a job are numbered 1..n, all but the last `lost`, and their leases [started, finished) never overlap. */
function checkLeases(jobs: JobRow[], attemptsByJob: Map<string, AttemptRow[]>, report: Report): number {
  const overlaps: string[] = [];
  const shape: string[] = [];
  for (const job of jobs) {
    const list = [...(attemptsByJob.get(job.id) ?? [])].sort((a, b) => a.attempt - b.attempt);
    for (let i = 0; i < list.length; i++) {
      const a = list[i] as AttemptRow;
      for (let j = i + 1; j < list.length; j++) {
        const b = list[j] as AttemptRow;
        if ((a.finishedAt ?? Number.POSITIVE_INFINITY) > b.startedAt) {
          overlaps.push(
            `job ${job.id}: attempt ${a.attempt} [${iso(a.startedAt)}, ${a.finishedAt ? iso(a.finishedAt) : 'open'}) on ${a.agentId} overlaps attempt ${b.attempt} from ${iso(b.startedAt)} on ${b.agentId}`,
          );
        }
      }
    }
    const last = list.at(-1);
    if (job.status === 'pending') continue;
    if (['succeeded', 'failed', 'canceled', 'timed_out'].includes(job.status)) {
      if (!last || last.attempt !== job.attempt || last.status !== job.status || last.finishedAt === null) {
        shape.push(
          `job ${job.id} ${job.status} attempt ${job.attempt}, last attempt row ${last ? `${last.attempt}:${last.status}` : 'none'}`,
        );
      }
      const earlier = list.filter((a) => a !== last && a.status !== 'lost');
      if (earlier.length > 0) {
        shape.push(
          `job ${job.id}: earlier attempts not lost: ${earlier.map((a) => `${a.attempt}:${a.status}`).join(' ')}`,
        );
      }
    }
  }
  report('overlapping leases (two attempts of one job held at once)', overlaps);
  report('attempt histories inconsistent with the job', shape);
  return overlaps.length;
}

/** Jobs with an attempt on an agent while it was paused: their old attempt may legitimately run on after the reaper. */
function pauseHitJobs(faults: FaultRecord[], attempts: AttemptRow[], events: EventsSummary): Set<string> {
  const hit = new Set<string>();
  const marginUs = 1_000_000;
  for (const fault of faults) {
    if (fault.kind !== 'agentPause') continue;
    const from = fault.at * 1000 - marginUs;
    const until = fault.until * 1000 + marginUs;
    for (const held of fault.held) hit.add(held.jobId);
    for (const a of attempts) {
      if (a.agentId === fault.agentId && a.startedAt <= until && (a.finishedAt ?? Number.POSITIVE_INFINITY) >= from) {
        hit.add(a.jobId);
      }
    }
    for (const e of events.executions.values()) {
      if (e.agent === fault.target && e.startedAt <= until && e.lastSeenAt >= from) hit.add(e.jobId);
    }
  }
  return hit;
}

/** From the events file: each attempt ran once, only claimed attempts ran, and attempts of one job never overlapped. */
function checkExecutions(
  events: EventsSummary,
  attempts: AttemptRow[],
  pauseHit: Set<string>,
  report: Report,
): { concurrent: { outsidePauses: number; duringPauses: number }; duplicates: number; unclaimed: number } {
  const claimed = new Set(attempts.map((a) => executionKey(a.jobId, a.attempt)));
  const all = [...events.executions.values()];
  const duplicates = all.filter((e) => e.starts > 1);
  const unclaimed = all.filter((e) => !claimed.has(executionKey(e.jobId, e.attempt)));
  report(
    'attempts that ran more than once',
    duplicates.map((e) => `job ${e.jobId} attempt ${e.attempt}: ${e.starts} starts`),
  );
  report(
    'executions of attempts the database never granted',
    unclaimed.map((e) => `job ${e.jobId} attempt ${e.attempt} on ${e.agent}`),
  );
  if (events.malformed > 0) report('malformed event lines', [`${events.malformed} lines`]);

  const outside: string[] = [];
  let duringPauses = 0;
  for (const [jobId, list] of groupBy(all, (e) => e.jobId)) {
    const sorted = [...list].sort((a, b) => a.attempt - b.attempt);
    for (let i = 0; i < sorted.length; i++) {
      for (let j = i + 1; j < sorted.length; j++) {
        const [a, b] = [sorted[i] as Execution, sorted[j] as Execution];
        if (!(a.startedAt < b.lastSeenAt && b.startedAt < a.lastSeenAt)) continue;
        if (pauseHit.has(jobId)) duringPauses++;
        else {
          outside.push(
            `job ${jobId}: attempt ${a.attempt} on ${a.agent} ran until ${iso(a.lastSeenAt)}, attempt ${b.attempt} on ${b.agent} started ${iso(b.startedAt)}`,
          );
        }
      }
    }
  }
  report('attempts of one job running at the same time (no pause involved)', outside);
  return {
    concurrent: { outsidePauses: outside.length, duringPauses },
    duplicates: duplicates.length,
    unclaimed: unclaimed.length,
  };
}

/** The committed log of every succeeded job: lines seq=1..N of its final attempt, in order, nothing else. */
async function checkLogs(
  input: CheckInput,
  jobs: JobRow[],
  runByKey: Map<string, RunRow>,
  report: Report,
): Promise<ChaosFigures['logs']> {
  const planByRunId = new Map<string, WorkloadPlan['runs'][number]>();
  for (const run of input.plan.runs) {
    const stored = runByKey.get(run.key);
    if (stored) planByRunId.set(stored.id, run);
  }
  const incomplete: string[] = [];
  const foreign: string[] = [];
  let checked = 0;
  let foreignLines = 0;
  for (const job of jobs) {
    if (job.status !== 'succeeded') continue;
    const expected = planByRunId
      .get(job.runId)
      ?.stages.find((stage) => stage.name === job.stage)
      ?.jobs.find((planned) => planned.name === job.name)?.lines;
    const log = await input.readJobLog(job.runId, job.id);
    checked++;
    if (log.status !== 200 || expected === undefined) {
      incomplete.push(`job ${job.id}: log answer ${log.status}, planned lines ${expected}`);
      continue;
    }
    const seqs: number[] = [];
    let others = 0;
    for (const match of log.text.matchAll(LINE)) {
      const [, runId, jobId, attempt, seq, of] = match;
      if (runId !== job.runId || jobId !== job.id || Number(attempt) !== job.attempt || Number(of) !== expected) {
        others++;
        continue;
      }
      seqs.push(Number(seq));
    }
    const inOrder = seqs.length === expected && seqs.every((seq, i) => seq === i + 1);
    if (!inOrder) {
      incomplete.push(`job ${job.id} attempt ${job.attempt}: seq ${seqs.join(',')} of ${expected}`);
    }
    if (others > 0) {
      foreignLines += others;
      foreign.push(`job ${job.id} attempt ${job.attempt}: ${others} lines of other attempts or jobs`);
    }
  }
  report('committed logs incomplete or out of order', incomplete);
  report('committed logs with lines from other attempts', foreign);
  return { checked, incomplete: incomplete.length, foreignLines };
}

function zombieRunOn(faults: FaultRecord[], events: EventsSummary): number | null {
  let longest: number | null = null;
  for (const fault of faults) {
    if (fault.kind !== 'agentPause') continue;
    for (const held of fault.held) {
      const execution = events.executions.get(executionKey(held.jobId, held.attempt));
      if (execution && execution.agent === fault.target && execution.lastSeenAt > fault.until * 1000) {
        longest = Math.max(longest ?? 0, Math.round(execution.lastSeenAt / 1000 - fault.until));
      }
    }
  }
  return longest;
}

async function agentDeathFigures(
  faults: FaultRecord[],
  oracle: CheckInput['oracle'],
  attempts: AttemptRow[],
): Promise<Pick<ChaosFigures, 'agentDeathToRerunMs' | 'agentDeathToLostMs'>> {
  let rerun: number | null = null;
  let lost: number | null = null;
  const finished = new Map(attempts.map((a) => [executionKey(a.jobId, a.attempt), a.finishedAt]));
  for (const fault of faults) {
    if (fault.kind !== 'agentCrash') continue;
    for (const fate of await oracle.attemptFates(fault.held)) {
      if (fate.status !== 'lost') continue;
      const lostAt = finished.get(executionKey(fate.jobId, fate.attempt));
      if (lostAt) lost = Math.max(lost ?? 0, lostAt / 1000 - fault.at);
      if (fate.nextStartedAt !== null) rerun = Math.max(rerun ?? 0, fate.nextStartedAt / 1000 - fault.at);
    }
  }
  return {
    agentDeathToRerunMs: rerun === null ? null : Math.round(rerun),
    agentDeathToLostMs: lost === null ? null : Math.round(lost),
  };
}

const iso = (micros: number) => new Date(micros / 1000).toISOString();

/**
 * No job re-ran because a controller died (or the database restarted): once a
 * replica was killed or Postgres restarted, every attempt that ended `lost`
 * after it had started a step was on an agent that a fault crashed or paused.
 * A lone controller whose crash outlasts the agents' fence may cost a re-run,
 * so with one replica its crashes do not make the check apply (and while one
 * happened, it does not).
 */
function checkNoRerunWithoutAgentFault(input: CheckInput, attempts: AttemptRow[], report: Report): number {
  const kinds = new Set(input.faults.map((fault) => fault.kind));
  const applies =
    (kinds.has('controllerReplicaKill') ||
      kinds.has('postgresRestart') ||
      (kinds.has('controllerCrash') && input.controllers >= 2)) &&
    !(kinds.has('controllerCrash') && input.controllers < 2);
  if (!applies) return 0;
  const hitAgents = new Set(
    input.faults
      .filter((fault) => fault.kind === 'agentCrash' || fault.kind === 'agentPause')
      .map((fault) => fault.agentId),
  );
  const rerun = attempts.filter(
    (a) =>
      a.status === 'lost' && !hitAgents.has(a.agentId) && input.events.executions.has(executionKey(a.jobId, a.attempt)),
  );
  report(
    'jobs re-run although no fault hit their agent (a controller or the database went away)',
    rerun.map((a) => `job ${a.jobId} attempt ${a.attempt} on ${a.agentId}: ${a.message ?? 'lost'}`),
  );
  return rerun.length;
}

function workPauses(faults: FaultRecord[], attempts: AttemptRow[]): Partial<Record<FaultKind, number>> {
  const finishes = attempts
    .filter((a) => a.status !== 'lost' && a.finishedAt !== null)
    .map((a) => (a.finishedAt as number) / 1000)
    .sort((a, b) => a - b);
  const longest: Partial<Record<FaultKind, number>> = {};
  for (const fault of faults) {
    const next = finishes.find((finishedAt) => finishedAt > fault.at);
    if (next === undefined) continue;
    longest[fault.kind] = Math.max(longest[fault.kind] ?? 0, Math.round(next - fault.at));
  }
  return longest;
}
