/** Runs and their stages/jobs as one aggregate: create, read, plan, change state. */
import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, inArray, type SQL, sql } from 'drizzle-orm';
import { IdempotencyKeyReusedError } from '../domain/errors.js';
import type { Job, Run, RunDetail, Stage } from '../domain/run.js';
import type { RunStatus, StageStatus } from '../domain/states.js';
import type { PipelineDefinition } from '../pipeline/model.js';
import type { RunSnapshot } from '../scheduler/transitions.js';
import { listAttempts } from './attempts-repository.js';
import { inBatches } from './batches.js';
import { attemptClaimedBy, type CallerCredential } from './caller-check.js';
import { findHolders } from './concurrency-repository.js';
import { type Database, type Queryable, queryRows } from './database.js';
import { toApproval, toJob, toRun, toStage } from './mappers.js';
import { toRunSnapshot } from './run-snapshot.js';
import { approvals, jobs, runs, stages } from './schema.js';

export interface NewRun {
  repo: string;
  ref: string;
  /** `ref` as git names it in full; null when it names no branch or tag. */
  fullRef?: string | null;
  /** The full commit id the trigger resolved; planning reads the pipeline there. */
  sha: string;
  triggeredBy: string;
  idempotencyKey: string | null;
  /** SHA-256 of what was asked, kept with the key: the same key asking for something else is refused. */
  idempotencyFingerprint?: string | null;
}

/**
 * Inserts a queued run. With an idempotency key already used, returns the
 * existing run and `created: false` instead (same key → same run, always);
 * throws IdempotencyKeyReusedError when that run was asked for with another fingerprint.
 */
/**
 * Inserts a queued run, or finds the one its idempotency key made earlier.
 * `planningClaimMs`: the new run is born claimed for planning by its creator
 * for that long (store/planning-claims.ts), which saves the claim's own
 * statement; a creator that dies before planning leaves it to the sweep once
 * the claim lapses.
 */
export async function createRun(
  db: Queryable,
  input: NewRun,
  options: { planningClaimMs?: number } = {},
): Promise<{ run: Run; created: boolean }> {
  const claim = options.planningClaimMs;
  const inserted = await db
    .insert(runs)
    .values({
      id: randomUUID(),
      status: 'queued',
      ...input,
      ...(claim === undefined ? {} : { planningClaimedUntil: sql`now() + make_interval(secs => ${claim / 1000})` }),
    })
    .onConflictDoNothing({ target: runs.idempotencyKey })
    .returning();
  if (inserted[0]) return { run: toRun(inserted[0]), created: true };
  const existing = await findRunByIdempotencyKey(db, input.idempotencyKey ?? '', input.idempotencyFingerprint ?? null);
  if (!existing) throw new Error('run insert conflicted but no run holds the idempotency key');
  return { run: existing, created: false };
}

/**
 * The run an earlier trigger with this `Idempotency-Key` created, if any.
 * Throws IdempotencyKeyReusedError when both it and `fingerprint` are known and differ.
 */
export async function findRunByIdempotencyKey(
  db: Queryable,
  idempotencyKey: string,
  fingerprint: string | null = null,
): Promise<Run | null> {
  const rows = await db.select().from(runs).where(eq(runs.idempotencyKey, idempotencyKey));
  const row = rows[0];
  if (!row) return null;
  if (fingerprint !== null && row.idempotencyFingerprint !== null && row.idempotencyFingerprint !== fingerprint) {
    throw new IdempotencyKeyReusedError(idempotencyKey, row.id);
  }
  return toRun(row);
}

export async function findRun(db: Queryable, runId: string): Promise<Run | null> {
  const rows = await db.select().from(runs).where(eq(runs.id, runId));
  return rows[0] ? toRun(rows[0]) : null;
}

export interface RunFilter {
  limit: number;
  /** Only runs older than this run in the list's order (see listRuns); a run that does not exist leaves none. */
  before?: string | undefined;
  /** Only runs of this repository (as it was triggered). */
  repo?: string | undefined;
  status?: RunStatus | undefined;
}

/**
 * Newest first: by creation time, then trigger order (`seq`; runs stored
 * before it existed count as 0), then id, so that runs created in the same
 * instant keep one order and a page that ends among them is continued by
 * `before` without skipping or repeating any.
 */
export async function listRuns(db: Queryable, options: RunFilter): Promise<Run[]> {
  const position = sql`(${runs.createdAt}, coalesce(${runs.seq}, 0), ${runs.id})`;
  const rows = await db
    .select()
    .from(runs)
    .where(
      and(
        options.before === undefined
          ? undefined
          : sql`${position} < (select r.created_at, coalesce(r.seq, 0), r.id from runs r where r.id = ${options.before})`,
        options.repo === undefined ? undefined : eq(runs.repo, options.repo),
        options.status === undefined ? undefined : eq(runs.status, options.status),
      ),
    )
    .orderBy(desc(runs.createdAt), sql`coalesce(${runs.seq}, 0) desc`, desc(runs.id))
    .limit(options.limit);
  return rows.map(toRun);
}

/** The name and status of each stage of the given runs, in order: the strip the runs list shows. */
export async function listStageStatuses(
  db: Queryable,
  runIds: string[],
): Promise<Map<string, { name: string; status: StageStatus }[]>> {
  const strips = new Map<string, { name: string; status: StageStatus }[]>(runIds.map((id) => [id, []]));
  if (runIds.length === 0) return strips;
  const rows = await db
    .select({ runId: stages.runId, name: stages.name, status: stages.status })
    .from(stages)
    .where(inArray(stages.runId, runIds))
    .orderBy(asc(stages.runId), asc(stages.position));
  for (const row of rows) strips.get(row.runId)?.push({ name: row.name, status: row.status as StageStatus });
  return strips;
}

/**
 * A run with its stages, jobs, attempts and approvals, all as of one moment:
 * its statements share one snapshot (a read-only repeatable-read
 * transaction), so a commit landing between them cannot show, say, a stage
 * already planned under a run still unplanned.
 */
export async function findRunDetail(db: Database, runId: string): Promise<RunDetail | null> {
  return db.transaction((tx) => readRunDetail(tx, runId), {
    isolationLevel: 'repeatable read',
    accessMode: 'read only',
  });
}

async function readRunDetail(db: Queryable, runId: string): Promise<RunDetail | null> {
  const run = await findRun(db, runId);
  if (!run) return null;
  const [stageRows, jobRows, approvalRows] = await Promise.all([
    db.select().from(stages).where(eq(stages.runId, runId)).orderBy(asc(stages.position)),
    db.select().from(jobs).where(eq(jobs.runId, runId)).orderBy(asc(jobs.position)),
    db.select().from(approvals).where(eq(approvals.runId, runId)).orderBy(asc(approvals.createdAt)),
  ]);
  const attempts = await listAttempts(
    db,
    jobRows.map((job) => job.id),
  );
  const waitingGroups = stageRows.filter((row) => row.status === 'waiting_for_concurrency' && row.concurrency);
  const holders = await findHolders(
    db,
    waitingGroups.map((row) => row.concurrency ?? ''),
  );
  return {
    ...run,
    stages: stageRows.map((row) => ({
      ...toStage(row),
      jobs: jobRows
        .filter((job) => job.stageId === row.id)
        .map((job) => ({ ...toJob(job), attempts: attempts.filter((attempt) => attempt.jobId === job.id) })),
      approvals: approvalRows.filter((approval) => approval.stageId === row.id).map(toApproval),
      waitingFor:
        row.status === 'waiting_for_concurrency' && row.concurrency ? (holders.get(row.concurrency) ?? null) : null,
    })),
  };
}

/** Takes the run's row lock for the rest of the transaction; every state change of a run goes through it. */
export async function lockRun(tx: Queryable, runId: string): Promise<Run | null> {
  return lockRunWhere(tx, sql`id = ${runId}`);
}

/** Takes the row lock of the job's run, as lockRun; returns the run, or null when there is no such job. */
export async function lockRunOfJob(tx: Queryable, jobId: string): Promise<Run | null> {
  return lockRunWhere(tx, sql`id = (select run_id from jobs where id = ${jobId})`);
}

/**
 * lockRunOfJob, only if the attempt was claimed by the agent holding `caller`
 * (its credential's hash), not revoked: null otherwise (or when there is no
 * such job), and then no lock is taken.
 */
export async function lockRunOfAttemptClaimedBy(
  tx: Queryable,
  attempt: { jobId: string; attempt: number },
  caller: CallerCredential,
): Promise<Run | null> {
  return lockRunWhere(
    tx,
    sql`id = (select run_id from jobs where id = ${attempt.jobId}) and ${attemptClaimedBy(attempt, caller)}`,
  );
}

/**
 * The columns of a Run, as one piece of text. Every finish and every change
 * of a run locks its row: a query built by drizzle's select() goes over the
 * table's columns one by one each time (about 0.2 ms of the controller's CPU
 * per lock), this one is built at no cost.
 */
const runColumns = sql.raw(
  'id, repo, ref, full_ref, sha, status, pipeline_name, error, triggered_by, author_email, committer_email, ' +
    'author_name, commit_subject, cancel_requested, created_at, started_at, finished_at',
);

interface RunRow {
  id: string;
  repo: string;
  ref: string;
  full_ref: string | null;
  sha: string | null;
  status: string;
  pipeline_name: string | null;
  error: string | null;
  triggered_by: string;
  author_email: string | null;
  committer_email: string | null;
  author_name: string | null;
  commit_subject: string | null;
  cancel_requested: boolean;
  created_at: Date | string;
  started_at: Date | string | null;
  finished_at: Date | string | null;
}

async function lockRunWhere(tx: Queryable, condition: SQL): Promise<Run | null> {
  const rows = await queryRows<RunRow>(tx, sql`select ${runColumns} from runs where ${condition} for update`);
  const row = rows[0];
  if (!row) return null;
  return {
    id: row.id,
    repo: row.repo,
    ref: row.ref,
    fullRef: row.full_ref,
    sha: row.sha,
    status: row.status as RunStatus,
    pipelineName: row.pipeline_name,
    error: row.error,
    triggeredBy: row.triggered_by,
    authorEmail: row.author_email,
    committerEmail: row.committer_email,
    authorName: row.author_name,
    commitSubject: row.commit_subject,
    cancelRequested: row.cancel_requested,
    createdAt: new Date(row.created_at),
    startedAt: row.started_at === null ? null : new Date(row.started_at),
    finishedAt: row.finished_at === null ? null : new Date(row.finished_at),
  };
}

/** Runs still `queued` with no plan: left behind by a controller that stopped mid-planning. */
export async function findUnplannedRunIds(db: Queryable): Promise<string[]> {
  const rows = await db
    .select({ id: runs.id })
    .from(runs)
    .where(and(eq(runs.status, 'queued'), sql`not exists (select 1 from stages where stages.run_id = ${runs.id})`))
    .orderBy(asc(runs.createdAt));
  return rows.map((row) => row.id);
}

/** The planned commit: its id, who wrote and committed it, and its subject. */
export interface PlannedCommit {
  sha: string;
  authorEmail: string | null;
  committerEmail: string | null;
  authorName: string | null;
  subject: string | null;
}

/** A plan on its way to the database: the writes, and the run as they leave it. */
export interface SentPlan {
  /** Settles when every write of the plan was answered; rejects with the first failure. */
  written: Promise<void>;
  /** The run row as the writes leave it. */
  run: Run;
  /**
   * The run's state-machine snapshot once the writes are applied, exactly as
   * readRunSnapshot would read it: nothing else can have touched stages
   * and jobs that did not exist before (fresh ids: no approvals, no group held).
   */
  snapshot: RunSnapshot;
}

/**
 * Sends the planned stages and jobs (all pending) of a queued run, in
 * batches, so a plan of any legal size fits PostgreSQL's parameter limit.
 * Caller holds the run lock (`run` as it read it). Every statement is sent at
 * once, in order, without waiting for answers: the pool's connections
 * pipeline, so whatever the caller sends on `tx` next goes out behind them,
 * still in order, in the same round trip. The caller must await `written`.
 */
export function sendPlan(tx: Queryable, run: Run, commit: PlannedCommit, pipeline: PipelineDefinition): SentPlan {
  const { sha, authorEmail, committerEmail, authorName, subject } = commit;
  const writes: Promise<unknown>[] = [
    tx
      .update(runs)
      .set({ sha, authorEmail, committerEmail, authorName, commitSubject: subject, pipelineName: pipeline.name })
      .where(eq(runs.id, run.id))
      .execute(),
  ];
  const stageRows = pipeline.stages.map((stage, position) => ({
    id: randomUUID(),
    runId: run.id,
    position,
    name: stage.name,
    status: stage.skipReason === undefined ? ('pending' as const) : ('skipped' as const),
    skipReason: stage.skipReason ?? null,
    finishedAt: stage.skipReason === undefined ? null : sql`now()`,
    environment: stage.environment,
    approval: stage.approval,
    concurrency: stage.concurrency,
    supersede: stage.supersede,
  }));
  for (const batch of inBatches(stageRows)) writes.push(tx.insert(stages).values(batch).execute());

  let jobPosition = 0;
  const jobRows = pipeline.stages.flatMap((stage, index) =>
    stage.jobs.map((job) => ({
      id: randomUUID(),
      runId: run.id,
      stageId: stageRows[index]!.id,
      position: jobPosition++,
      name: job.name,
      queue: job.queue,
      status: 'pending' as const,
      spec: job,
    })),
  );
  // Steps and env are what makes a spec big; their length is close enough to size a batch.
  const approximateSpecBytes = (row: (typeof jobRows)[number]) =>
    [...row.spec.steps, ...Object.values(row.spec.env)].reduce((sum, text) => sum + text.length, 0);
  for (const batch of inBatches(jobRows, approximateSpecBytes)) writes.push(insertJobs(tx, batch));

  const jobsOfStage = new Map(stageRows.map((stage) => [stage.id, [] as { id: string; status: 'pending' }[]]));
  for (const job of jobRows) jobsOfStage.get(job.stageId)?.push({ id: job.id, status: job.status });
  // As runStagesJson would read them: fresh stages have no approvals and hold no group.
  const snapshot = toRunSnapshot(
    run,
    stageRows.map((stage) => ({
      id: stage.id,
      status: stage.status,
      approval: stage.approval,
      concurrency: stage.concurrency,
      environment: stage.environment,
      holds_group: false,
      approvals_given: 0,
      jobs: jobsOfStage.get(stage.id) ?? [],
    })),
  );
  const planned: Run = {
    ...run,
    sha,
    authorEmail,
    committerEmail,
    authorName,
    commitSubject: subject,
    pipelineName: pipeline.name,
  };
  return { written: Promise.all(writes).then(() => {}), run: planned, snapshot };
}

type NewJobRow = Pick<Job, 'id' | 'runId' | 'stageId' | 'position' | 'name' | 'queue' | 'spec'> & { status: 'pending' };

/**
 * Inserts new jobs in one statement whose text is the same whatever the number
 * of rows: the rows travel as one JSON document. A multi-row VALUES list has
 * a text (and parameters) per row count, which drizzle builds value by value
 * (about 0.13 ms of the controller's CPU per job) and PostgreSQL parses and
 * plans anew each time; this one is built at no cost and prepared once.
 */
function insertJobs(tx: Queryable, rows: NewJobRow[]): Promise<unknown> {
  const document = rows.map((row) => ({
    id: row.id,
    run_id: row.runId,
    stage_id: row.stageId,
    position: row.position,
    name: row.name,
    queue: row.queue,
    status: row.status,
    spec: row.spec,
  }));
  return tx.execute(sql`insert into jobs (id, run_id, stage_id, position, name, queue, status, spec)
    select id, run_id, stage_id, position, name, queue, status, spec
    from jsonb_to_recordset(${JSON.stringify(document)}::jsonb)
      as r(id text, run_id text, stage_id text, position integer, name text, queue text, status text, spec jsonb)`);
}

const terminalRun: RunStatus[] = ['succeeded', 'failed', 'canceled', 'rejected', 'superseded'];

/** Sets a run's status with its timestamps. Caller holds the run lock. */
export async function setRunStatus(
  tx: Queryable,
  runId: string,
  status: RunStatus,
  error?: string | null,
): Promise<void> {
  await tx
    .update(runs)
    .set({
      status,
      ...(error !== undefined ? { error } : {}),
      ...(status === 'running' ? { startedAt: sql`coalesce(${runs.startedAt}, now())` } : {}),
      ...(terminalRun.includes(status) ? { finishedAt: sql`now()` } : { finishedAt: null }),
    })
    .where(eq(runs.id, runId));
}

const terminalStage: StageStatus[] = ['succeeded', 'failed', 'canceled', 'rejected', 'superseded', 'skipped'];

export async function setStageStatus(tx: Queryable, stageIds: string[], status: StageStatus): Promise<void> {
  if (stageIds.length === 0) return;
  await tx
    .update(stages)
    .set({
      status,
      ...(status === 'running' ? { startedAt: sql`coalesce(${stages.startedAt}, now())` } : {}),
      ...(status === 'awaiting_approval'
        ? { approvalRequestedAt: sql`coalesce(${stages.approvalRequestedAt}, now())` }
        : {}),
      ...(terminalStage.includes(status) ? { finishedAt: sql`now()` } : {}),
    })
    .where(inArray(stages.id, stageIds));
}

/**
 * Stages a retry opens again: pending, with their gate's wait, and the timeout
 * counted from it, starting afresh now: only approvals given from now on
 * count (a null would count every approval the stage ever had).
 */
export async function reopenStages(tx: Queryable, stageIds: string[]): Promise<void> {
  if (stageIds.length === 0) return;
  await tx
    .update(stages)
    .set({ status: 'pending', approvalRequestedAt: sql`now()`, finishedAt: null })
    .where(inArray(stages.id, stageIds));
}

export async function setRunSha(tx: Queryable, runId: string, sha: string): Promise<void> {
  await tx.update(runs).set({ sha }).where(eq(runs.id, runId));
}

export async function findStageByName(db: Queryable, runId: string, name: string): Promise<Stage | null> {
  const rows = await db
    .select()
    .from(stages)
    .where(and(eq(stages.runId, runId), eq(stages.name, name)));
  return rows[0] ? toStage(rows[0]) : null;
}

export async function setRunCancelRequested(tx: Queryable, runId: string, value: boolean): Promise<void> {
  await tx.update(runs).set({ cancelRequested: value }).where(eq(runs.id, runId));
}

export async function listStagesOfRun(db: Queryable, runId: string): Promise<Stage[]> {
  const rows = await db.select().from(stages).where(eq(stages.runId, runId)).orderBy(asc(stages.position));
  return rows.map(toStage);
}

export async function findStageName(db: Queryable, stageId: string): Promise<string | null> {
  const rows = await db.select({ name: stages.name }).from(stages).where(eq(stages.id, stageId));
  return rows[0]?.name ?? null;
}
