/**
 * Leases of running attempts: the conditional claim, renewal, the fenced
 * finish and the lost-agent path. Every write an agent causes is conditional
 * on (jobId, attempt, leaseToken) still holding the job, so a stale agent can
 * never change it.
 */
import { randomUUID } from 'node:crypto';
import { and, eq, type SQL, sql } from 'drizzle-orm';
import type { Job, Run } from '../domain/run.js';
import type { JobResult } from '../domain/states.js';
import type { JobDefinition } from '../pipeline/model.js';
import { attemptClaimedBy, type CallerCredential, callerIs, credentialHashIs } from './caller-check.js';
import { type Queryable, queryRows } from './database.js';
import { toJob } from './mappers.js';
import { runStagesJson, type StageSnapshotRow } from './run-snapshot.js';
import { lockRunOfAttemptClaimedBy, lockRunOfJob } from './runs-repository.js';
import { agents, jobAttempts, jobs } from './schema.js';
import { sqlStateOf } from './sql-state.js';

/** What an agent needs to run a claimed attempt. */
export interface ClaimedJob {
  id: string;
  runId: string;
  attempt: number;
  name: string;
  stageName: string;
  spec: JobDefinition;
  repo: string;
  ref: string;
  /** `ref` in full (`refs/heads/main`); null when git named it neither a branch nor a tag. */
  fullRef: string | null;
  sha: string;
  /** The name of the run's pipeline. */
  pipeline: string;
  queue: string;
  /** How long the attempt waited between being queued and this claim, by database time. */
  queuedSeconds: number;
}

export type ClaimOutcome =
  | {
      granted: true;
      job: ClaimedJob;
      leaseToken: string;
      /** Granted again: the agent retried a claim granted under its claim id (nothing changed but the lease's expiry). */
      repeated?: true;
    }
  | {
      granted: false;
      reason: 'taken' | 'stale_attempt' | 'canceled' | 'unknown_job' | 'not_the_caller' | 'draining';
    };

export interface ClaimInput {
  jobId: string;
  attempt: number;
  agentId: string;
  leaseTtlMs: number;
  caller?: CallerCredential;
  /**
   * The agent's id for this claim (a UUID), the lease token when given. The
   * same claim again (the agent never got the answer) is granted again while
   * the attempt runs under it on that agent.
   */
  claimId?: string;
}

/** Columns of a claimed job row, and what the select below joins to them. */
interface ClaimedRow {
  id: string;
  run_id: string;
  attempt: number;
  name: string;
  stage_name: string;
  spec: JobDefinition;
  repo: string;
  ref: string;
  full_ref: string | null;
  sha: string | null;
  pipeline_name: string | null;
  queue: string;
  queued_seconds: number | null;
}

/**
 * The conditional claim of the dispatch protocol: exactly one caller wins a queued
 * attempt. One statement (claim, attempt row, and what the agent needs), so
 * dispatch costs one database round trip. With `caller`, the claim is made
 * only if that credential is agent `agentId`'s, unrevoked, registered for the
 * job's queue; a refusal then reads `not_the_caller` whatever the job's state.
 * An agent asked to drain claims nothing (`draining`): the request reaches an
 * idle agent this way even when the drain's NATS message was lost.
 */
export async function claimJob(db: Queryable, input: ClaimInput): Promise<ClaimOutcome> {
  const [outcome] = await claimJobs(db, [input]);
  return outcome as ClaimOutcome;
}

/** Claims in one statement, at most (a bound on its size and on the row locks it takes at once). */
export const maxClaimsPerStatement = 64;

/**
 * Several claims (claimJob each, same answers in the same order) in one
 * statement: each row of the batch is its own conditional claim, so two
 * claims of one attempt still grant it once. A batch never waits for a job
 * row another transaction holds (a run's cancel, the reaper, another
 * replica's claims): it skips it, and that claim is made alone afterwards,
 * waiting its turn. A statement that waited while holding the rows it had
 * claimed could deadlock with one that locks the same jobs in another
 * order; a single claim holds one row and cannot. A claim the batch did not
 * grant, for whatever reason, is made alone the same way, which also
 * explains a refusal. When the statement fails, see failsOnlyTogether.
 */
export async function claimJobs(db: Queryable, inputs: readonly ClaimInput[]): Promise<ClaimOutcome[]> {
  if (inputs.length > maxClaimsPerStatement) throw new RangeError(`at most ${maxClaimsPerStatement} claims at once`);
  const wanted = inputs.map((input, index) => ({
    i: index,
    job_id: input.jobId,
    attempt: input.attempt,
    agent_id: input.agentId,
    lease_token: input.claimId ?? randomUUID(),
    ttl_secs: input.leaseTtlMs / 1000,
    credential_hash: input.caller?.credentialHash ?? null,
  }));
  const alone = inputs.length === 1;
  // A lone claim waits for a held row, as every claim used to; a batch takes only the rows it can lock now.
  const lockable = alone
    ? sql`true`
    : sql`jobs.id in (select j.id from jobs j join wanted on j.id = wanted.job_id
        where j.status = 'queued' for update of j skip locked)`;
  const rows = await queryRows<ClaimedRow & { i: number }>(
    db,
    sql`
    with wanted as (
      select * from json_to_recordset(${JSON.stringify(wanted)}::json)
        as w(i int, job_id text, attempt int, agent_id text, lease_token text, ttl_secs float8, credential_hash text)
    ), claimed as (
      update jobs set status = 'running', agent_id = w.agent_id, lease_token = w.lease_token,
        lease_expires_at = now() + make_interval(secs => w.ttl_secs),
        started_at = coalesce(jobs.started_at, now())
      from wanted w
      where jobs.id = w.job_id and jobs.attempt = w.attempt and jobs.status = 'queued' and ${lockable}
        and (w.credential_hash is null or exists (select 1 from agents a where a.id = w.agent_id
          and ${credentialHashIs(sql`w.credential_hash`)} and a.queues ? jobs.queue))
        and not exists (select 1 from agents d where d.id = w.agent_id and d.drain_requested)
      returning w.i, jobs.id, jobs.run_id, jobs.stage_id, jobs.attempt, jobs.name, jobs.spec, jobs.queue,
        jobs.queued_at, w.agent_id, w.lease_token
    ), recorded as (
      insert into job_attempts (job_id, attempt, status, agent_id, lease_token)
      select id, attempt, 'running', agent_id, lease_token from claimed
    )
    ${selectClaimedWith(sql`claimed.i,`)}`,
  );
  const granted = new Map(rows.map((row) => [row.i, row]));
  const outcomes: ClaimOutcome[] = [];
  for (const [index, input] of inputs.entries()) {
    const row = granted.get(index);
    const leaseToken = wanted[index]?.lease_token as string;
    if (row) outcomes.push({ granted: true, leaseToken, job: claimedJobOf(row) });
    // One at a time: two of them may be claims of the same attempt.
    else outcomes.push(alone ? await refusedClaim(db, input) : await claimJob(db, input));
  }
  return outcomes;
}

/**
 * A batch of claims failed because of a value one claim carried that the
 * statement cannot take (SQLSTATE class 22: an attempt beyond a 32-bit
 * integer, text PostgreSQL refuses). Made again one by one, only that claim
 * fails. (A batch never waits for a row, so it cannot meet a deadlock.)
 */
export function failsOnlyTogether(error: unknown): boolean {
  return sqlStateOf(error)?.startsWith('22') === true;
}

/** Why a claim the statement did not grant was refused, or the claim granted again to a retry of it. */
async function refusedClaim(db: Queryable, input: ClaimInput): Promise<ClaimOutcome> {
  if (input.claimId) {
    const again = await claimAgain(db, input, input.claimId);
    if (again) return again;
  }
  if (input.caller) return { granted: false, reason: 'not_the_caller' };
  const draining = await db
    .select({ id: agents.id })
    .from(agents)
    .where(and(eq(agents.id, input.agentId), eq(agents.drainRequested, true)));
  if (draining.length > 0) return { granted: false, reason: 'draining' };
  const current = await db
    .select({ status: jobs.status, attempt: jobs.attempt })
    .from(jobs)
    .where(eq(jobs.id, input.jobId));
  const job = current[0];
  if (!job) return { granted: false, reason: 'unknown_job' };
  if (job.status === 'canceled') return { granted: false, reason: 'canceled' };
  if (job.attempt !== input.attempt) return { granted: false, reason: 'stale_attempt' };
  return { granted: false, reason: 'taken' };
}

/** With `caller`: the credential is agent `agentId`'s, unrevoked, and serves the job's queue. */
function callerHoldsJob(input: ClaimInput): SQL {
  return input.caller
    ? sql`and exists (select 1 from agents a where a.id = ${input.agentId} and ${callerIs(input.caller)}
          and a.queues ? jobs.queue)`
    : sql``;
}

/** What the agent needs of the job row `claimed` (a CTE of the statement) names. */
const selectClaimed = selectClaimedWith(sql``);

/** selectClaimed with more columns of `claimed` first (each followed by a comma). */
function selectClaimedWith(columns: SQL): SQL {
  return sql`
    select ${columns} claimed.id, claimed.run_id, claimed.attempt, claimed.name, claimed.spec, claimed.queue,
      extract(epoch from now() - claimed.queued_at)::float8 as queued_seconds,
      stages.name as stage_name, runs.repo, runs.ref, runs.full_ref, runs.sha, runs.pipeline_name
    from claimed join runs on runs.id = claimed.run_id join stages on stages.id = claimed.stage_id`;
}

/**
 * The claim `claimId` of this agent again, while its attempt runs under it:
 * the lease renewed and the same answer. A claim is never granted twice to
 * different claims, nor after the attempt ended.
 */
async function claimAgain(db: Queryable, input: ClaimInput, claimId: string): Promise<ClaimOutcome | null> {
  const rows = await queryRows<ClaimedRow>(
    db,
    sql`
    with claimed as (
      update jobs set lease_expires_at = now() + make_interval(secs => ${input.leaseTtlMs / 1000})
      where id = ${input.jobId} and attempt = ${input.attempt} and status = 'running'
        and agent_id = ${input.agentId} and lease_token = ${claimId} ${callerHoldsJob(input)}
      returning id, run_id, stage_id, attempt, name, spec, queue, queued_at
    )
    ${selectClaimed}`,
  );
  const row = rows[0];
  return row ? { granted: true, leaseToken: claimId, job: claimedJobOf(row), repeated: true } : null;
}

function claimedJobOf(row: ClaimedRow): ClaimedJob {
  return {
    id: row.id,
    runId: row.run_id,
    attempt: row.attempt,
    name: row.name,
    stageName: row.stage_name,
    spec: row.spec,
    repo: row.repo,
    ref: row.ref,
    fullRef: row.full_ref,
    sha: row.sha ?? '',
    pipeline: row.pipeline_name ?? '',
    queue: row.queue,
    queuedSeconds: Math.max(0, row.queued_seconds ?? 0),
  };
}

export interface LeaseKey {
  jobId: string;
  attempt: number;
  leaseToken: string;
}

const holdsLease = (lease: LeaseKey) =>
  and(
    eq(jobs.id, lease.jobId),
    eq(jobs.attempt, lease.attempt),
    eq(jobs.leaseToken, lease.leaseToken),
    eq(jobs.status, 'running'),
  );

/** A renewed lease, and what its holder is asked to do. */
export interface RenewedLease {
  expiresAt: Date;
  /** The job was canceled. */
  cancelRequested: boolean;
  /** The agent holding the lease was asked to drain. */
  drainRequested: boolean;
}

/** The drain request of the agent holding the job, read within the statement that touches the job. */
const holderDrainRequested = sql<boolean>`coalesce((select ${agents.drainRequested} from ${agents}
  where ${agents.id} = ${jobs.agentId}), false)`;

/**
 * Extends a held lease by one TTL from database time; null when the lease is
 * no longer held. One statement: the answer also carries the job's cancel
 * request and its agent's drain request, so a heartbeat costs one round trip.
 */
export async function renewLease(db: Queryable, lease: LeaseKey, leaseTtlMs: number): Promise<RenewedLease | null> {
  const rows = await db
    .update(jobs)
    .set({ leaseExpiresAt: sql`now() + make_interval(secs => ${leaseTtlMs / 1000})` })
    .where(holdsLease(lease))
    .returning({
      expiresAt: jobs.leaseExpiresAt,
      cancelRequested: jobs.cancelRequested,
      drainRequested: holderDrainRequested,
    });
  const row = rows[0];
  if (!row?.expiresAt) return null;
  return { expiresAt: row.expiresAt, cancelRequested: row.cancelRequested, drainRequested: row.drainRequested };
}

/** The facts about a just-finished job that the retry decision and the state machine need. */
export interface FinishedJob {
  id: string;
  runId: string;
  stageId: string;
  spec: JobDefinition;
  cancelRequested: boolean;
  queue: string;
  /** From the attempt's claim to this finish, by database time. */
  attemptSeconds: number;
  /**
   * Whether another job of the stage was still pending, queued or running,
   * as of this statement. Exact only under the run lock, which every job
   * that finishes takes first.
   */
  othersUnfinished: boolean;
  /**
   * When no other job of the stage is unfinished: the run's stages with this
   * finish applied, as readRunSnapshot would read them right after it (for
   * the run's state machine, without a statement of its own). Exact only
   * under the run lock.
   */
  runStages: StageSnapshotRow[] | null;
}

/** What a finish carries, written in its statement (see finishAttempt). */
export interface CarriedWrites {
  /** Data-modifying statements that write only `where exists (select 1 from lease)`, on rows of their own. */
  writes: readonly SQL[];
  /** Steps whose reports `writes` store, ended there (stepReportsUpsert with `endingAs`). */
  stepIndexes: readonly number[];
}

/**
 * Ends the attempt holding `lease` with the agent's result, in one statement:
 * the job and attempt rows, the `carried` writes (the step reports and log
 * chunks that came with the finish, fenced by the same lease), and any other
 * step still `running` (a cancel or timeout stopped it, or its last report
 * never came) ends with the attempt's result. Returns the job, or null if the
 * lease is not held — including a repeat of a finish already applied (see
 * `wasFinishedBy`); then nothing is written. `fence` narrows it further: it
 * also writes nothing unless the attempt was claimed by `caller`'s agent,
 * unrevoked, and the job is of run `runId`. Caller holds the run lock, or
 * sent the statement that takes it just before this one in the same
 * transaction: PostgreSQL starts this one, and takes its snapshot, once the
 * lock is held.
 */
export async function finishAttempt(
  tx: Queryable,
  lease: LeaseKey,
  result: { status: JobResult; exitCode: number | null; message: string | null },
  carried: CarriedWrites = { writes: [], stepIndexes: [] },
  fence: { caller?: CallerCredential | undefined; runId?: string | undefined } = {},
): Promise<FinishedJob | null> {
  // The carried writes see `lease` as the finish's own row: they happen exactly when the finish does.
  const carriedWrites = carried.writes.map((write, index) => sql`, ${sql.raw(`carried_${index}`)} as (${write})`);
  const notCarried =
    carried.stepIndexes.length > 0
      ? sql`and step_index not in (${sql.join(
          carried.stepIndexes.map((index) => sql`${index}::int`),
          sql`, `,
        )})`
      : sql``;
  const rows = await queryRows<{
    id: string;
    run_id: string;
    stage_id: string;
    spec: JobDefinition;
    cancel_requested: boolean;
    queue: string;
    attempt_seconds: number | null;
    others_unfinished: boolean;
    run_stages: StageSnapshotRow[] | null;
  }>(
    tx,
    sql`
    with finished as (
      update jobs set status = ${result.status}, exit_code = ${result.exitCode}::int, message = ${result.message},
        lease_token = null, lease_expires_at = null, finished_at = now()
      where id = ${lease.jobId} and attempt = ${lease.attempt} and lease_token = ${lease.leaseToken} and status = 'running'
        ${fence.caller ? sql`and ${attemptClaimedBy(lease, fence.caller)}` : sql``}
        ${fence.runId !== undefined ? sql`and run_id = ${fence.runId}` : sql``}
      returning id, run_id, stage_id, spec, cancel_requested, queue
    ), lease as (select 1 from finished)${sql.join(carriedWrites)}, recorded as (
      update job_attempts set status = ${result.status}, exit_code = ${result.exitCode}::int, message = ${result.message},
        finished_at = now()
      where job_id = ${lease.jobId} and attempt = ${lease.attempt} and exists (select 1 from finished)
      returning started_at
    ), steps_ended as (
      update step_reports set status = ${result.status}, finished_at = coalesce(finished_at, now())
      where job_id = ${lease.jobId} and attempt = ${lease.attempt} and status = 'running' and exists (select 1 from finished)
        ${notCarried}
    )
    select finished.*, (select extract(epoch from now() - started_at)::float8 from recorded) as attempt_seconds,
      others.unfinished as others_unfinished,
      case when others.unfinished then null
        else ${runStagesJson(sql`finished.run_id`, { id: lease.jobId, status: result.status })} end as run_stages
    from finished, lateral (select exists (select 1 from jobs where jobs.stage_id = finished.stage_id
        and jobs.id <> finished.id and jobs.status in ('pending', 'queued', 'running')) as unfinished) others`,
  );
  const row = rows[0];
  if (!row) return null;
  return {
    id: row.id,
    runId: row.run_id,
    stageId: row.stage_id,
    spec: row.spec,
    cancelRequested: row.cancel_requested,
    queue: row.queue,
    attemptSeconds: Math.max(0, row.attempt_seconds ?? 0),
    othersUnfinished: row.others_unfinished,
    runStages: row.run_stages,
  };
}

/** What lockRunAndFinishAttempt did. */
export interface LockedFinish {
  /** The run locked (now or by an earlier finish of the transaction); null: nothing locked or written. */
  run: Run | null;
  /** The job ended, or null when nothing was written. */
  job: FinishedJob | null;
  /** Nothing was written because `caller` did not claim the attempt (or, with a caller, there is no such job). */
  refused: boolean;
}

/**
 * Locks the attempt's run and ends the attempt (finishAttempt) in one round
 * trip: the locking statement and the finish leave together, and PostgreSQL
 * starts the finish, and takes its snapshot, once the lock is held, so the
 * finish reads what every earlier holder of the lock committed. The finish
 * is fenced by `caller` itself, so that it writes nothing where the locking
 * statement refuses the caller. `locked`: the run this transaction holds
 * the lock of already (an earlier finish of the same transaction); an
 * attempt of that run is then ended without locking again, fenced by the
 * run's id as well. With `caller`, no such job or another agent's attempt
 * locks nothing and answers `refused`.
 */
export async function lockRunAndFinishAttempt(
  tx: Queryable,
  lease: LeaseKey,
  result: { status: JobResult; exitCode: number | null; message: string | null },
  carried: CarriedWrites,
  options: { caller?: CallerCredential | undefined; runId?: string | undefined; locked?: Run | undefined } = {},
): Promise<LockedFinish> {
  const { caller, locked } = options;
  const lockHeld = locked !== undefined && options.runId === locked.id;
  const [run, job] = await Promise.all([
    lockHeld ? locked : caller ? lockRunOfAttemptClaimedBy(tx, lease, caller) : lockRunOfJob(tx, lease.jobId),
    finishAttempt(tx, lease, result, carried, { caller, ...(lockHeld ? { runId: locked.id } : {}) }),
  ]);
  // A lease is handed out once its claim committed: the finish cannot see a claim the lock statement did not.
  if (!run && job) throw new Error(`finish of job ${lease.jobId} attempt ${lease.attempt} wrote without its run lock`);
  if (!run) return { run: null, job: null, refused: caller !== undefined };
  const refused = !job && caller !== undefined && lockHeld && !(await isAttemptClaimedBy(tx, lease, caller));
  return { run, job, refused };
}

/** Whether the attempt was claimed by `caller`'s agent, unrevoked (a finish fenced by it wrote nothing: why). */
async function isAttemptClaimedBy(
  db: Queryable,
  attempt: { jobId: string; attempt: number },
  caller: CallerCredential,
): Promise<boolean> {
  const rows = await queryRows<{ claimed: boolean }>(db, sql`select ${attemptClaimedBy(attempt, caller)} as claimed`);
  return rows[0]?.claimed === true;
}

/**
 * True when this exact lease already finished its attempt with `status` (a
 * retried FinishJob). An attempt the controller ended otherwise (lost: reaped
 * or its agent revoked) was not finished by the lease.
 */
export async function wasFinishedBy(db: Queryable, lease: LeaseKey, status: JobResult): Promise<boolean> {
  const rows = await db
    .select({ status: jobAttempts.status })
    .from(jobAttempts)
    .where(
      and(
        eq(jobAttempts.jobId, lease.jobId),
        eq(jobAttempts.attempt, lease.attempt),
        eq(jobAttempts.leaseToken, lease.leaseToken),
      ),
    );
  return rows[0]?.status === status;
}

/** How many earlier attempts of a job ended with the given status. */
export interface HeldLease extends LeaseKey {
  runId: string;
  agentId: string | null;
}

export const heldLeaseColumns = {
  jobId: jobs.id,
  attempt: jobs.attempt,
  leaseToken: jobs.leaseToken,
  runId: jobs.runId,
  agentId: jobs.agentId,
};

export function toHeldLeases(
  rows: { jobId: string; attempt: number; leaseToken: string | null; runId: string; agentId: string | null }[],
): HeldLease[] {
  return rows.flatMap((row) => (row.leaseToken ? [{ ...row, leaseToken: row.leaseToken }] : []));
}

/** Running attempts whose lease expired by database time, oldest expiry first. */
export async function findExpiredLeases(db: Queryable, limit: number): Promise<HeldLease[]> {
  const rows = await db
    .select(heldLeaseColumns)
    .from(jobs)
    .where(and(eq(jobs.status, 'running'), sql`${jobs.leaseExpiresAt} < now()`))
    .orderBy(jobs.leaseExpiresAt)
    .limit(limit);
  return toHeldLeases(rows);
}

/** Running attempts held by one agent. */
export async function findLeasesOfAgent(db: Queryable, agentId: string): Promise<HeldLease[]> {
  const rows = await db
    .select(heldLeaseColumns)
    .from(jobs)
    .where(and(eq(jobs.status, 'running'), eq(jobs.agentId, agentId)));
  return toHeldLeases(rows);
}

/**
 * Ends the attempt holding `lease` as `lost` (its agent vanished). The job is
 * left `failed` with a message; the caller re-queues it when the retry policy
 * allows. Returns the job, or null when the lease is no longer held.
 */
export async function markAttemptLost(tx: Queryable, lease: LeaseKey, reason: string): Promise<Job | null> {
  const rows = await tx
    .update(jobs)
    .set({
      status: 'failed',
      message: reason,
      exitCode: null,
      leaseToken: null,
      leaseExpiresAt: null,
      finishedAt: sql`now()`,
    })
    .where(holdsLease(lease))
    .returning();
  const row = rows[0];
  if (!row) return null;
  await tx
    .update(jobAttempts)
    .set({ status: 'lost', message: reason, finishedAt: sql`now()` })
    .where(and(eq(jobAttempts.jobId, lease.jobId), eq(jobAttempts.attempt, lease.attempt)));
  return toJob(row);
}

/**
 * `select 1 from jobs … for share` while `lease` holds the job: the guard of
 * every fenced write, used as a CTE so the write and the check are one
 * statement and a concurrent finish or reap waits for it.
 */
export function heldLeaseRow(lease: LeaseKey): SQL {
  return sql`select 1 from jobs
      where id = ${lease.jobId} and attempt = ${lease.attempt} and lease_token = ${lease.leaseToken} and status = 'running'
      for share`;
}

/**
 * Runs `writes` while `lease` holds the job, all in one statement: each is a
 * data-modifying statement that writes only `where exists (select 1 from
 * lease)`, the CTE of heldLeaseRow. The writes must touch different rows
 * (they see one snapshot). Returns whether the lease held; with no writes,
 * it only checks.
 */
export async function writeWhileLeaseHeld(db: Queryable, lease: LeaseKey, writes: readonly SQL[]): Promise<boolean> {
  const named = writes.map((write, index) => sql`, ${sql.raw(`write_${index}`)} as (${write})`);
  const rows = await queryRows<{ held: number }>(
    db,
    sql`with lease as (${heldLeaseRow(lease)})${sql.join(named)} select count(*)::int as held from lease`,
  );
  return (rows[0]?.held ?? 0) > 0;
}
