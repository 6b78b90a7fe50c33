/**
 * The scheduler: every state change of runs, stages and jobs goes through
 * here, each in one transaction that holds the run lock. Called by the API
 * (trigger, approve), the gRPC service (claim, finish) and on start-up.
 * After a commit that queued jobs it hands their offers to `offersCommitted`
 * (the relay), which publishes them at once instead of at the next poll.
 */
import type { Logger } from 'pino';
import type { Run } from '../domain/run.js';
import {
  DEFAULT_PIPELINE_LIMITS,
  formatPipelineProblems,
  type ParseResult,
  type PipelineLimits,
} from '../pipeline/index.js';
import { PipelineParseCache } from '../pipeline/parse-cache.js';
import type { PipelineFile, PipelineSource } from '../source/git-source.js';
import { findNextWaiters } from '../store/concurrency-repository.js';
import type { Database } from '../store/database.js';
import { isDatabaseUnavailable } from '../store/database-unavailable.js';
import { findProtections } from '../store/environments-repository.js';
import type { OutboxMessage } from '../store/outbox-repository.js';
import { findRun, findUnplannedRunIds, lockRun, sendPlan, setRunSha, setRunStatus } from '../store/runs-repository.js';
import { transactionWithTrailingWrites, withNoTrailingWrites } from '../store/trailing-writes.js';
import { type AdvanceOutcome, advanceRun, sendRunAdvance } from './advance-run.js';
import { withPlanningClaim } from './planning-claim.js';
import { summarizePlanningError } from './planning-error.js';
import { environmentsOf, withProtections } from './protected-environments.js';
import { withStageConditions } from './stage-conditions.js';

/** A run's `error` lists at most this many pipeline problems (a broken 1 MiB file can have thousands). */
const MAX_PROBLEMS_IN_RUN_ERROR = 100;

export interface SchedulerDeps {
  db: Database;
  source: PipelineSource;
  log: Logger;
  /** Called with the offers a transaction wrote, once it committed (the relay publishes them). Must not throw. */
  offersCommitted: (offers: readonly OutboxMessage[]) => void;
  /** Called after a commit that changed a run (for live pages). */
  runChanged: (runId: string) => void;
  /** Bounds on a pipeline; the defaults when not given. */
  limits?: PipelineLimits;
  /** Called after a commit in which a stage began awaiting approval (notifications). Must not throw. */
  gateOpened?: (runId: string, stageId: string) => void;
}

export class Scheduler {
  private readonly planning = new Set<Promise<void>>();
  private readonly followUps = new Set<Promise<unknown>>();
  private readonly parsedFiles: PipelineParseCache;

  constructor(private readonly deps: SchedulerDeps) {
    this.parsedFiles = new PipelineParseCache(deps.limits ?? DEFAULT_PIPELINE_LIMITS);
  }

  /**
   * A pipeline file parsed with this farm's limits, as planning parses it
   * (cached: a push's filter and its run's plan read the same file once).
   * The result is frozen.
   */
  parsePipelineFile(text: string): ParseResult {
    return this.parsedFiles.parse(text);
  }

  /**
   * Reads the pipeline at the run's recorded commit, writes the plan and
   * starts the first stage. A missing or bad pipeline file, or any error while
   * planning (the database refusing the plan included), fails the run with the
   * reason in `error`; only when even that cannot be written does the run stay
   * queued, to be planned again by a planning sweep (planning-sweep.ts), as
   * when the database was unavailable. Never throws; safe to
   * call twice (a planned run is left alone). `created`: the run as its
   * trigger on this replica just wrote it, claimed for planning (createRun's
   * `planningClaimMs`), which planning then need neither read back nor claim.
   */
  planRun(runId: string, created?: Run): Promise<void> {
    const work = this.plan(runId, created).catch(async (error: unknown) => {
      // The database went away mid-planning: the run is not at fault. It stays queued and
      // unplanned, and a planning sweep takes it once the database and the claim allow.
      if (isDatabaseUnavailable(error)) {
        this.deps.log.warn({ runId }, 'planning paused: database unavailable');
        return;
      }
      const { message, errorName } = summarizePlanningError(error);
      this.deps.log.error({ runId, error: message, errorName }, 'planning failed');
      await this.failUnplanned(runId, `planning failed: ${message}`).catch((failError: unknown) => {
        const summary = summarizePlanningError(failError);
        this.deps.log.error({ runId, error: summary.message, errorName: summary.errorName }, 'cannot fail run');
      });
    });
    this.planning.add(work);
    void work.finally(() => this.planning.delete(work));
    return work;
  }

  /** Plans runs a previous controller accepted but did not plan. */
  async recoverUnplannedRuns(): Promise<number> {
    const ids = await findUnplannedRunIds(this.deps.db);
    await Promise.all(ids.map((id) => this.planRun(id)));
    return ids.length;
  }

  /** Waits for planning and the follow-ups of commits in flight (shutdown, tests). */
  async settle(): Promise<void> {
    while (this.planning.size > 0 || this.followUps.size > 0) {
      await Promise.all([...this.planning, ...this.followUps]);
    }
  }

  /** Re-evaluates a run after something changed it (job finished, approval given). */
  async advance(runId: string): Promise<void> {
    const outcome = await this.deps.db.transaction((tx) => advanceRun(tx, runId));
    this.afterCommit(runId, outcome.offers, outcome.transitions.length, outcome);
  }

  /**
   * Called by whoever committed a change of the run: hands the relay the
   * offers the transaction wrote (`offers`), tells
   * live pages, and carries out what `advanced` (the advanceRun outcome of that
   * transaction, if any) left for after the commit: the next waiter of each
   * freed concurrency group is started, and gates that opened are announced.
   */
  afterCommit(runId: string, offers: readonly OutboxMessage[], changes: number, advanced?: AdvanceOutcome): void {
    if (offers.length > 0) this.deps.offersCommitted(offers);
    if (changes > 0 || offers.length > 0) this.deps.runChanged(runId);
    if (!advanced) return;
    for (const other of advanced.otherRuns) this.deps.runChanged(other);
    if (advanced.freedGroups.length > 0) this.track(this.openNextWaiters(advanced.freedGroups));
    for (const stageId of advanced.gatesOpened) this.deps.gateOpened?.(runId, stageId);
  }

  /**
   * Starts the stage next in line for each free concurrency group (only
   * `groups`, or every group). Called after a commit that freed a group and,
   * as a safety net for a controller that stopped between the two, by the
   * reaper's sweep. Safe on every replica at once: acquiring locks the group.
   * Never throws; returns how many waiting runs it looked at.
   */
  async openNextWaiters(groups?: string[]): Promise<number> {
    try {
      const waiters = await findNextWaiters(this.deps.db, groups);
      for (const waiter of waiters) await this.advance(waiter.runId);
      return waiters.length;
    } catch (error) {
      const { message, errorName } = summarizePlanningError(error);
      this.deps.log.warn({ groups, error: message, errorName }, 'cannot start the next stage of a concurrency group');
      return 0;
    }
  }

  private track(work: Promise<unknown>): void {
    this.followUps.add(work);
    void work.finally(() => this.followUps.delete(work));
  }

  private async plan(runId: string, created?: Run): Promise<void> {
    const run = created ?? (await findRun(this.deps.db, runId));
    if (run?.status !== 'queued' || run.pipelineName !== null) return;
    // Another replica may be planning it; then it is theirs (planning-claim.ts). A run its trigger
    // just created here was created claimed.
    await withPlanningClaim(this.deps.db, runId, () => this.planClaimed(run), { held: created !== undefined });
  }

  private async planClaimed(run: Run): Promise<void> {
    const runId = run.id;
    let file: PipelineFile & { sha: string };
    try {
      // The trigger recorded the resolved commit; only a run accepted by an
      // older controller (which resolved at planning) still lacks it.
      const sha = run.sha ?? (await this.deps.source.resolveCommit(run.repo, run.ref, null));
      file = { sha, ...(await this.deps.source.readPipelineFile(run.repo, sha)) };
    } catch (error) {
      await this.failUnplanned(runId, (error as Error).message);
      return;
    }
    const parsed = this.parsedFiles.parse(file.text);
    if (!parsed.ok) {
      const shown = formatPipelineProblems(parsed.problems.slice(0, MAX_PROBLEMS_IN_RUN_ERROR));
      const more = parsed.problems.length - MAX_PROBLEMS_IN_RUN_ERROR;
      await this.failUnplanned(runId, more > 0 ? `${shown}\n… and ${more} more problems` : shown, file.sha);
      return;
    }
    const outcome = await transactionWithTrailingWrites(this.deps.db, async (tx) => {
      const locked = await lockRun(tx, runId);
      if (locked?.status !== 'queued' || locked.pipelineName !== null) return withNoTrailingWrites(null);
      const protections = await findProtections(tx, environmentsOf(parsed.pipeline));
      const planned = withStageConditions(
        withProtections(parsed.pipeline, protections, locked.fullRef ?? locked.ref),
        locked,
      );
      // The plan's writes, the first stage's transitions and the COMMIT go out in one round trip.
      const plan = sendPlan(tx, locked, file, planned);
      return sendRunAdvance(tx, runId, { run: plan.run, snapshot: plan.snapshot, pending: plan.written });
    });
    if (outcome) {
      this.deps.log.info({ runId, sha: file.sha, pipeline: parsed.pipeline.name }, 'run planned');
      this.afterCommit(runId, outcome.offers, outcome.transitions.length + 1, outcome);
    }
  }

  private async failUnplanned(runId: string, error: string, sha?: string): Promise<void> {
    await this.deps.db.transaction(async (tx) => {
      const locked = await lockRun(tx, runId);
      if (locked?.status !== 'queued' || locked.pipelineName !== null) return;
      await setRunStatus(tx, runId, 'failed', error);
      if (sha) await setRunSha(tx, runId, sha);
    });
    this.deps.log.info({ runId, error }, 'run failed before planning');
    this.deps.runChanged(runId);
  }
}
