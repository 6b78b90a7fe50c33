/**
 * What agents do to jobs, fenced by the lease: claim, heartbeat, logs, step
 * reports, finish. Each write happens only while (jobId, attempt, leaseToken)
 * still holds the job; otherwise StaleLeaseError, which the gRPC edge turns
 * into FAILED_PRECONDITION so the agent kills the attempt.
 */

import { StaleLeaseError } from '../domain/errors.js';
import type { Run } from '../domain/run.js';
import type { JobResult } from '../domain/states.js';
import type { ControllerMetrics } from '../metrics/controller-metrics.js';
import { isAgentGone } from '../store/agents-repository.js';
import { countAttempts } from '../store/attempts-repository.js';
import type { CallerCredential } from '../store/caller-check.js';
import type { Database, Transaction } from '../store/database.js';
import { queueJobs, setJobStatus } from '../store/jobs-repository.js';
import {
  type CarriedWrites,
  type ClaimOutcome,
  type FinishedJob,
  type HeldLease,
  type LeaseKey,
  lockRunAndFinishAttempt,
  markAttemptLost,
  type RenewedLease,
  renewLease,
  wasFinishedBy,
} from '../store/leases-repository.js';
import { appendLogChunksFenced, type LogChunkInput, logChunksInsert } from '../store/logs-repository.js';
import type { OutboxMessage } from '../store/outbox-repository.js';
import { toRunSnapshot } from '../store/run-snapshot.js';
import { lockRun } from '../store/runs-repository.js';
import { recordStepsFenced, stepReportsUpsert } from '../store/steps-repository.js';
import {
  type SentWithTrailingWrites,
  transactionWithTrailingWrites,
  withNoTrailingWrites,
} from '../store/trailing-writes.js';
import { type AdvanceOutcome, advanceRun, sendRunAdvance } from './advance-run.js';
import { ClaimBatcher } from './claim-batcher.js';
import { capLogChunks, plainAcrossCap } from './log-cap.js';
import { RunEndings } from './run-endings.js';
import type { Scheduler } from './scheduler.js';
import { mergeStepReports, type StepReportInput, type StepReportMessage } from './step-reports.js';

/** GANTRY_MAX_LOG_BYTES_PER_JOB's default. */
export const defaultMaxLogBytesPerJob = 512 * 1024 * 1024;

/** Attempts whose run a controller remembers (see JobLifecycle.finish); the oldest is forgotten first. */
const maxRememberedAttempts = 100_000;

export interface JobLifecycleDeps {
  db: Database;
  scheduler: Scheduler;
  leaseTtlMs: number;
  /** Told of claims, first steps and finishes as they commit. */
  metrics?: ControllerMetrics;
  /** Output stored per attempt (see log-cap.ts). Default 512 MiB. */
  maxLogBytesPerJob?: number;
}

export class JobLifecycle {
  /** Output stored per attempt; agents are told it with each claim. */
  readonly maxLogBytesPerJob: number;
  /** Claims that arrive together share a statement (see claim-batcher.ts). */
  readonly #claims: ClaimBatcher;
  /** The run of each attempt this controller granted and has not seen end, by `jobId:attempt`. */
  readonly #runOfAttempt = new Map<string, string>();
  /** Endings of one run's attempts, one transaction at a time (see run-endings.ts). */
  readonly #endings = new RunEndings<PreparedFinish, FinishOutcome>((finishes) => this.#finishTogether(finishes));

  constructor(private readonly deps: JobLifecycleDeps) {
    this.#claims = new ClaimBatcher(deps.db, { onStatement: (claims) => deps.metrics?.claimStatementSent(claims) });
    this.maxLogBytesPerJob = deps.maxLogBytesPerJob ?? defaultMaxLogBytesPerJob;
  }

  /**
   * `caller`: claim only as that credential's agent (see claimJob); refused as `not_the_caller` otherwise.
   * `claimId`: the agent's id for this claim, which a retry of it repeats (see ClaimInput).
   */
  async claim(
    agentId: string,
    jobId: string,
    attempt: number,
    options: { caller?: CallerCredential; claimId?: string } = {},
  ): Promise<ClaimOutcome> {
    const outcome = await this.#claims.claim({
      jobId,
      attempt,
      agentId,
      leaseTtlMs: this.deps.leaseTtlMs,
      ...(options.caller ? { caller: options.caller } : {}),
      ...(options.claimId ? { claimId: options.claimId } : {}),
    });
    if (outcome.granted) this.#rememberRun(jobId, attempt, outcome.job.runId);
    if (outcome.granted && !outcome.repeated) {
      this.deps.metrics?.claimGranted(outcome.leaseToken, outcome.job.queue, outcome.job.queuedSeconds);
      this.deps.scheduler.afterCommit(outcome.job.runId, [], 1);
    }
    return outcome;
  }

  #rememberRun(jobId: string, attempt: number, runId: string): void {
    const key = attemptKey(jobId, attempt);
    this.#runOfAttempt.delete(key);
    this.#runOfAttempt.set(key, runId);
    if (this.#runOfAttempt.size > maxRememberedAttempts) {
      const oldest = this.#runOfAttempt.keys().next().value;
      if (oldest !== undefined) this.#runOfAttempt.delete(oldest);
    }
  }

  /**
   * Renews the lease; the answer says whether the job was canceled and whether
   * its agent was asked to drain (the fallback for control messages NATS lost).
   */
  async heartbeat(lease: LeaseKey): Promise<RenewedLease> {
    const renewed = await renewLease(this.deps.db, lease, this.deps.leaseTtlMs);
    if (!renewed) throw new StaleLeaseError(lease.jobId, lease.attempt);
    return renewed;
  }

  /**
   * Stores chunks only while the lease holds, up to the attempt's log cap;
   * returns the highest seq of the batch (dropped chunks past the cap count as
   * handled).
   */
  async appendLogs(lease: LeaseKey, chunks: LogChunkInput[]): Promise<number> {
    if (chunks.length === 0) return -1;
    const highest = Math.max(...chunks.map((chunk) => chunk.seq));
    const cap = this.maxLogBytesPerJob;
    const kept = capLogChunks(await plainAcrossCap(chunks, cap), cap);
    // Nothing left to store: the fence is checked by the next heartbeat or FinishJob.
    if (kept.length === 0) return highest;
    if ((await appendLogChunksFenced(this.deps.db, lease, kept)) === null) {
      throw new StaleLeaseError(lease.jobId, lease.attempt);
    }
    return highest;
  }

  /** Records a batch of step reports (INVALID_INPUT for a bad one) while the lease holds. */
  async reportSteps(lease: LeaseKey, reports: StepReportMessage[]): Promise<void> {
    const steps = mergeStepReports(reports);
    if (!(await recordStepsFenced(this.deps.db, lease, steps))) throw new StaleLeaseError(lease.jobId, lease.attempt);
    this.#observeFirstStep(lease, steps);
  }

  /** The first step's start (merged with its end when both came in one batch) times claimed → first step. */
  #observeFirstStep(lease: LeaseKey, steps: StepReportInput[]): void {
    const first = steps.find((step) => step.stepIndex === 0);
    if (first) this.deps.metrics?.firstStepReported(lease.leaseToken, first.startedAt);
  }

  /**
   * Fails a just-claimed attempt the agent cannot be given (its spec does not
   * fit the protocol): the reason becomes the attempt's log and its message,
   * and the job is not retried, since every attempt would fail the same way.
   */
  async failClaimed(lease: LeaseKey, reason: string): Promise<void> {
    await this.appendLogs(lease, [{ seq: 0, byteOffset: 0, stepIndex: 0, data: Buffer.from(`${reason}\n`) }]);
    await this.finish(lease, { status: 'failed', exitCode: null, message: reason }, { retry: false });
  }

  /**
   * Ends the attempt and advances the run; a failed attempt within the job's
   * `retry.failed` budget is queued again as the next attempt (never after a
   * cancel request, nor with `retry: false`). Idempotent for the same lease: a
   * repeated finish is accepted and changes nothing. Lock order, as
   * everywhere: run, then job. `steps` are the attempt's last step reports,
   * recorded in the same transaction as a ReportSteps call would; `logs` are
   * log chunks stored there as a StreamLogs call would (up to the log cap).
   * `caller`: finish only if the attempt was claimed by that credential's
   * agent, unrevoked; else (or when there is no such job) nothing is locked
   * or written and it answers `not_the_caller`. An attempt this controller
   * granted ends after the earlier endings of its run, possibly in one
   * transaction with other finishes of the run (see run-endings.ts).
   */
  async finish(
    lease: LeaseKey,
    result: { status: JobResult; exitCode: number | null; message: string | null },
    options: { retry?: boolean; steps?: StepReportMessage[]; logs?: LogChunkInput[]; caller?: CallerCredential } = {},
  ): Promise<'finished' | 'not_the_caller'> {
    const steps = mergeStepReports(options.steps ?? []);
    const cap = this.maxLogBytesPerJob;
    const logs = options.logs?.length ? capLogChunks(await plainAcrossCap(options.logs, cap), cap) : [];
    // What came with the finish is written in the finish's own statement, fenced like it: a repeated
    // finish finds the lease ended and records nothing twice.
    const carried = {
      writes: [
        ...(steps.length > 0 ? [stepReportsUpsert(lease, steps, result.status)] : []),
        ...(logs.length > 0 ? [await logChunksInsert(lease, logs)] : []),
      ],
      stepIndexes: steps.map((step) => step.stepIndex),
    };
    const key = attemptKey(lease.jobId, lease.attempt);
    const runOfAttempt = this.#runOfAttempt.get(key);
    const finish: PreparedFinish = {
      lease,
      ...(runOfAttempt !== undefined ? { runId: runOfAttempt } : {}),
      result,
      retry: options.retry !== false,
      carried,
      ...(options.caller ? { caller: options.caller } : {}),
    };
    const outcome =
      runOfAttempt === undefined
        ? ((await this.#finishTogether([finish]))[0] ?? null)
        : await this.#endings.finish(runOfAttempt, finish);
    if (outcome === 'not_the_caller') return outcome;
    // Ended (by this call or an earlier one) or not this controller's to end: forgotten either way.
    this.#runOfAttempt.delete(key);
    if (!outcome) {
      if (await wasFinishedBy(this.deps.db, lease, result.status)) return 'finished';
      throw new StaleLeaseError(lease.jobId, lease.attempt);
    }
    this.#observeFirstStep(lease, steps);
    this.deps.metrics?.attemptFinished(lease.leaseToken, outcome.job.queue, result.status, outcome.job.attemptSeconds);
    // The advance's offers are complete now that its writes were answered.
    const offers = [...outcome.queued, ...(outcome.advanced?.offers ?? [])];
    this.deps.scheduler.afterCommit(outcome.runId, offers, 1, outcome.advanced);
    return 'finished';
  }

  /**
   * Ends `finishes` (attempts of one run, or a single one) in one
   * transaction, in order; answers for those it ended, from the first. The
   * finish whose run it advances is the last: the transaction's last writes
   * are the run's transitions, and its COMMIT follows them at once.
   */
  async #finishTogether(finishes: readonly PreparedFinish[]): Promise<FinishOutcome[]> {
    const outcomes: FinishOutcome[] = [];
    await transactionWithTrailingWrites(this.deps.db, async (tx) => {
      let locked: Run | undefined;
      for (const finish of finishes) {
        const { sent, advancedRun, run } = await this.#finishIn(tx, finish, locked);
        locked ??= run;
        outcomes.push(sent.value);
        if (advancedRun) return { value: undefined, trailing: sent.trailing };
      }
      return withNoTrailingWrites(undefined);
    });
    return outcomes;
  }

  /**
   * One finish's writes in `tx` (see finish()); outcome null: no such lease
   * held (ended, or another's). `advancedRun`: its last writes, the run's
   * transitions, are sent and not yet answered, and must be the transaction's last.
   * `locked`: the run this transaction locked already (an earlier finish of
   * the batch); `run`: the run locked, if any, once this finish is done.
   */
  async #finishIn(
    tx: Transaction,
    finish: PreparedFinish,
    locked: Run | undefined,
  ): Promise<{ sent: SentWithTrailingWrites<FinishOutcome>; advancedRun: boolean; run: Run | undefined }> {
    const { lease, result, caller } = finish;
    const { run, job, refused } = await lockRunAndFinishAttempt(tx, lease, result, finish.carried, {
      caller,
      runId: finish.runId,
      locked,
    });
    const notAdvanced = (outcome: FinishOutcome) => ({
      sent: withNoTrailingWrites(outcome),
      advancedRun: false,
      run: run ?? undefined,
    });
    // Refused: the usual way (grpc/agent-identity.ts) names the refusal.
    if (refused) return notAdvanced('not_the_caller');
    if (!run || !job) return notAdvanced(null);
    const runId = run.id;
    let queued: OutboxMessage[] = [];
    const retryable = (result.status === 'failed' || result.status === 'timed_out') && finish.retry;
    if (retryable && !job.cancelRequested) {
      const failures = (await countAttempts(tx, job.id, 'failed')) + (await countAttempts(tx, job.id, 'timed_out'));
      if (failures <= job.spec.retry.failed) queued = await queueJobs(tx, [job.id]);
    }
    // Most finishes leave siblings running: then the run cannot change, and reading it is wasted work.
    if (queued.length > 0 || job.othersUnfinished) return notAdvanced({ runId, queued, job, advanced: undefined });
    // Nothing changed the run's own row since the lock read it (this finish's lock, or the first of the
    // transaction's: a finish before this one in the transaction left its siblings running, so it did not
    // change it), nor its stages or other jobs since the finish read them.
    const snapshot = job.runStages ? toRunSnapshot(run, job.runStages) : undefined;
    const advanced = await sendRunAdvance(tx, runId, { run, ...(snapshot ? { snapshot } : {}) });
    return {
      sent: { value: { runId, queued, job, advanced: advanced.value }, trailing: advanced.trailing },
      advancedRun: true,
      run,
    };
  }

  /**
   * Ends an attempt whose agent vanished as `lost`. Within `retry.lost` the job
   * is queued again as the next attempt; after a cancel request it ends
   * `canceled`; otherwise `failed`. Returns false when the lease was no longer
   * held (finished or reaped meanwhile), or (`onlyIfAgentGoneMs`) when its
   * agent is not gone for that grace by the time the attempt is ended (see
   * isAgentGone): the check reads the agent's row in the same transaction,
   * after the job's, so a session opening concurrently comes before or after
   * it, never between.
   */
  async endLostAttempt(
    lease: HeldLease,
    reason: string,
    options: { onlyIfAgentGoneMs?: number } = {},
  ): Promise<boolean> {
    const graceMs = options.onlyIfAgentGoneMs;
    const outcome = await this.#endings
      .alone(lease.runId, () =>
        this.deps.db.transaction(async (tx) => {
          await lockRun(tx, lease.runId);
          const job = await markAttemptLost(tx, lease, reason);
          if (!job) return null;
          if (graceMs !== undefined && !(await isAgentGone(tx, lease.agentId ?? '', graceMs, { lock: true }))) {
            throw new AgentCameBack();
          }
          let queued: OutboxMessage[] = [];
          if (job.cancelRequested) await setJobStatus(tx, job.id, 'canceled', 'canceled; its agent was lost');
          else if ((await countAttempts(tx, job.id, 'lost')) <= job.spec.retry.lost) {
            queued = await queueJobs(tx, [job.id]);
          } else {
            await setJobStatus(
              tx,
              job.id,
              'failed',
              `${reason}; no retries left (retry.lost = ${job.spec.retry.lost})`,
            );
          }
          const advanced = await advanceRun(tx, lease.runId);
          return { queued: [...queued, ...advanced.offers], retried: queued.length > 0, advanced };
        }),
      )
      .catch((error: unknown) => {
        if (error instanceof AgentCameBack) return null;
        throw error;
      });
    if (!outcome) return false;
    this.#runOfAttempt.delete(attemptKey(lease.jobId, lease.attempt));
    this.deps.metrics?.attemptAbandoned(lease.leaseToken);
    this.deps.scheduler.afterCommit(lease.runId, outcome.queued, 1, outcome.advanced);
    return true;
  }
}

/** A finish ready for its transaction: what finish() was given, checked and encoded. */
interface PreparedFinish {
  lease: LeaseKey;
  /** The attempt's run, when this controller granted it (and so remembers it). */
  runId?: string;
  result: { status: JobResult; exitCode: number | null; message: string | null };
  /** Within the job's `retry.failed` budget, a failure queues the next attempt. */
  retry: boolean;
  carried: CarriedWrites;
  caller?: CallerCredential;
}

/** What a finish did: the run's id, what it queued and how it advanced the run; see #finishIn for the others. */
type FinishOutcome =
  | { runId: string; queued: OutboxMessage[]; job: FinishedJob; advanced: AdvanceOutcome | undefined }
  | 'not_the_caller'
  | null;

function attemptKey(jobId: string, attempt: number): string {
  return `${jobId}:${attempt}`;
}

/** Rolls back the ending of an attempt whose agent came back meanwhile. */
class AgentCameBack extends Error {
  override readonly name = 'AgentCameBack';
}
