/**
 * The drizzle schema: the single source of the database layout. Migrations in
 * /migrations are generated from this file by `npm run db:generate` and run
 * unchanged on PostgreSQL 15+ and on embedded PGlite.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  customType,
  index,
  integer,
  jsonb,
  pgSequence,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import type { ApprovedArtifact } from '../domain/run.js';

const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({
  dataType: () => 'bytea',
});

const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();
const at = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** Numbers `runs.seq`. */
export const runsSeq = pgSequence('runs_seq');

export const runs = pgTable(
  'runs',
  {
    id: text('id').primaryKey(),
    repo: text('repo').notNull(),
    ref: text('ref').notNull(),
    sha: text('sha'),
    status: text('status').notNull(),
    pipelineName: text('pipeline_name'),
    /** Why the run failed before any job ran (bad pipeline file, unknown ref). */
    error: text('error'),
    triggeredBy: text('triggered_by').notNull(),
    /** The commit's author and committer e-mails, read when the run is planned (self-approval checks). */
    authorEmail: text('author_email'),
    committerEmail: text('committer_email'),
    /** The commit's author name and subject line, read with the e-mails (shown on the page). */
    authorName: text('author_name'),
    commitSubject: text('commit_subject'),
    /** The ref as git names it in full (`refs/heads/main`, `refs/tags/v1`); null when it names neither. */
    fullRef: text('full_ref'),
    idempotencyKey: text('idempotency_key'),
    /** SHA-256 of the trigger's body: the same key with another body is refused. */
    idempotencyFingerprint: text('idempotency_fingerprint'),
    /** Set by a cancel request: stages stop being started and the run ends `canceled`. */
    cancelRequested: boolean('cancel_requested').notNull().default(false),
    /** A replica is planning this run until then (see planning-claims.ts); null: nobody claimed it. */
    planningClaimedUntil: at('planning_claimed_until'),
    createdAt: createdAt(),
    /**
     * Insertion order: breaks ties of `created_at` (PGlite's clock counts
     * whole milliseconds), so runs made in one millisecond keep their order.
     * Null for runs made before migration 0018, which added it without
     * rewriting the table.
     */
    seq: bigint('seq', { mode: 'number' }).default(sql`nextval('runs_seq')`),
    startedAt: at('started_at'),
    finishedAt: at('finished_at'),
  },
  (t) => [
    uniqueIndex('runs_idempotency_key_unique').on(t.idempotencyKey),
    index('runs_created_at_idx').on(t.createdAt),
  ],
);

export const stages = pgTable(
  'stages',
  {
    id: text('id').primaryKey(),
    runId: text('run_id')
      .notNull()
      .references(() => runs.id),
    position: integer('position').notNull(),
    name: text('name').notNull(),
    status: text('status').notNull(),
    environment: text('environment'),
    /** ApprovalPolicy from the pipeline, or null when the stage has no gate. */
    approval: jsonb('approval'),
    /** When the stage began awaiting approval (database time); its gate's timeout counts from here. */
    approvalRequestedAt: at('approval_requested_at'),
    /** Concurrency group: the stage runs only while it holds the group's row in `concurrency_locks`. */
    concurrency: text('concurrency'),
    /** A newer run of the same repository reaching this gate supersedes older runs waiting at it. */
    supersede: boolean('supersede').notNull().default(false),
    /** Why the stage was skipped when the run was planned (its `if:` did not hold); null otherwise. */
    skipReason: text('skip_reason'),
    createdAt: createdAt(),
    startedAt: at('started_at'),
    finishedAt: at('finished_at'),
  },
  (t) => [
    uniqueIndex('stages_run_position_unique').on(t.runId, t.position),
    index('stages_waiting_for_concurrency_idx').on(t.concurrency).where(sql`status = 'waiting_for_concurrency'`),
    index('stages_awaiting_approval_idx').on(t.name).where(sql`status = 'awaiting_approval'`),
  ],
);

/**
 * One row per concurrency group ever used; `stage_id` is the stage that holds
 * it (null: free). Every acquire and release locks the group's row, so
 * controllers on one database hand a group out one stage at a time.
 */
export const concurrencyLocks = pgTable('concurrency_locks', {
  name: text('name').primaryKey(),
  runId: text('run_id').references(() => runs.id),
  stageId: text('stage_id').references(() => stages.id),
  acquiredAt: at('acquired_at'),
});

export const jobs = pgTable(
  'jobs',
  {
    id: text('id').primaryKey(),
    runId: text('run_id')
      .notNull()
      .references(() => runs.id),
    stageId: text('stage_id')
      .notNull()
      .references(() => stages.id),
    position: integer('position').notNull(),
    name: text('name').notNull(),
    queue: text('queue').notNull(),
    status: text('status').notNull(),
    /** Current attempt number; 0 until first queued. */
    attempt: integer('attempt').notNull().default(0),
    /** The JobDefinition from the pipeline (steps, env, timeout, retry, artifacts). */
    spec: jsonb('spec').notNull(),
    agentId: text('agent_id'),
    leaseToken: text('lease_token'),
    leaseExpiresAt: at('lease_expires_at'),
    cancelRequested: boolean('cancel_requested').notNull().default(false),
    /** How many times the current attempt's offer was published (re-published when not claimed in time). */
    offers: integer('offers').notNull().default(0),
    lastOfferedAt: at('last_offered_at'),
    exitCode: integer('exit_code'),
    message: text('message'),
    queuedAt: at('queued_at'),
    startedAt: at('started_at'),
    finishedAt: at('finished_at'),
  },
  (t) => [
    index('jobs_run_idx').on(t.runId),
    index('jobs_stage_idx').on(t.stageId),
    index('jobs_queued_idx').on(t.queuedAt).where(sql`status = 'queued'`),
    index('jobs_agent_running_idx').on(t.agentId).where(sql`status = 'running'`),
    index('jobs_running_lease_idx').on(t.leaseExpiresAt).where(sql`status = 'running'`),
  ],
);

export const jobAttempts = pgTable(
  'job_attempts',
  {
    jobId: text('job_id')
      .notNull()
      .references(() => jobs.id),
    attempt: integer('attempt').notNull(),
    status: text('status').notNull(),
    agentId: text('agent_id').notNull(),
    leaseToken: text('lease_token').notNull(),
    exitCode: integer('exit_code'),
    message: text('message'),
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    finishedAt: at('finished_at'),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.attempt] })],
);

export const stepReports = pgTable(
  'step_reports',
  {
    jobId: text('job_id').notNull(),
    attempt: integer('attempt').notNull(),
    stepIndex: integer('step_index').notNull(),
    status: text('status').notNull(),
    exitCode: integer('exit_code'),
    startedAt: at('started_at'),
    finishedAt: at('finished_at'),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.attempt, t.stepIndex] })],
);

export const logChunks = pgTable(
  'log_chunks',
  {
    jobId: text('job_id').notNull(),
    attempt: integer('attempt').notNull(),
    seq: integer('seq').notNull(),
    byteOffset: bigint('byte_offset', { mode: 'number' }).notNull(),
    stepIndex: integer('step_index').notNull(),
    /** The output, or (when plain_bytes is set) one gzip member of it: see log-chunk-codec.ts. */
    data: bytea('data').notNull(),
    /** The output's size before compression; null when data is stored as it came. */
    plainBytes: integer('plain_bytes'),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.attempt, t.seq] })],
);

/**
 * Files an attempt kept, recorded all at once by the fenced CommitArtifacts
 * call after they were uploaded to the artifact store under
 * `runs/<runId>/jobs/<jobId>/attempts/<attempt>/<path>`.
 */
export const artifacts = pgTable(
  'artifacts',
  {
    id: text('id').primaryKey(),
    runId: text('run_id')
      .notNull()
      .references(() => runs.id),
    jobId: text('job_id')
      .notNull()
      .references(() => jobs.id),
    attempt: integer('attempt').notNull(),
    /** Workspace-relative, normalised, `/`-separated. */
    path: text('path').notNull(),
    size: bigint('size', { mode: 'number' }).notNull(),
    /** Lower-case hex SHA-256 of the stored bytes. */
    sha256: text('sha256').notNull(),
    /** The file had an execute bit when the job kept it. */
    executable: boolean('executable').notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('artifacts_job_attempt_path_unique').on(t.jobId, t.attempt, t.path),
    index('artifacts_run_idx').on(t.runId),
  ],
);

/**
 * Logs of ended attempts moved to the artifact store (gzip, `logs/<run>/<job>/<attempt>.log.gz`).
 * A row is written only after the object is stored, and the attempt's
 * log_chunks rows are deleted only after the row: a crash in between leaves
 * chunks that the next sweep deletes (or archives again), never a lost log.
 */
export const logArchives = pgTable(
  'log_archives',
  {
    jobId: text('job_id')
      .notNull()
      .references(() => jobs.id),
    attempt: integer('attempt').notNull(),
    key: text('key').notNull(),
    /** Uncompressed bytes: the log as the API serves it. */
    bytes: bigint('bytes', { mode: 'number' }).notNull(),
    /**
     * Where in the object this attempt's gzip stream lies, when the object is
     * a pack of several attempts' logs (short logs are archived together);
     * null for an object of its own.
     */
    storedOffset: bigint('stored_offset', { mode: 'number' }),
    storedLength: bigint('stored_length', { mode: 'number' }),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.attempt] }), index('log_archives_key_idx').on(t.key)],
);

/** Transactional outbox: rows written with the state change, published to JetStream by the relay. */
export const outbox = pgTable(
  'outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    subject: text('subject').notNull(),
    msgId: text('msg_id').notNull(),
    payload: jsonb('payload').notNull(),
    createdAt: createdAt(),
    publishedAt: at('published_at'),
  },
  (t) => [index('outbox_unpublished_idx').on(t.id).where(sql`published_at is null`)],
);

export const agents = pgTable(
  'agents',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    hostname: text('hostname').notNull(),
    queues: jsonb('queues').notNull(),
    slots: integer('slots').notNull(),
    version: text('version').notNull(),
    registeredAt: createdAt(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    /** The Connect stream currently open for this agent (any replica); null when none ever opened. */
    sessionId: text('session_id'),
    connectedAt: at('connected_at'),
    disconnectedAt: at('disconnected_at'),
    drainRequested: boolean('drain_requested').notNull().default(false),
    /** Hex SHA-256 of the agent's own credential, given once at enrolment; null for a row from before enrolment. */
    credentialHash: text('credential_hash'),
    /** The queues its enrolment token allows; null: any queue. */
    allowedQueues: jsonb('allowed_queues').$type<string[]>(),
    /** The enrolment token it enrolled with (its id, or `GANTRY_AGENT_TOKEN`). */
    enrolledWith: text('enrolled_with'),
    /** Set by `gantry agent revoke`: every call with its credential is refused from then on. */
    revokedAt: at('revoked_at'),
  },
  (t) => [
    uniqueIndex('agents_name_unique').on(t.name),
    uniqueIndex('agents_credential_hash_unique').on(t.credentialHash),
  ],
);

/** One-time or limited enrolment tokens for agents (`gantry agent-token create`); only the SHA-256 is kept. */
export const agentEnrolmentTokens = pgTable(
  'agent_enrolment_tokens',
  {
    id: text('id').primaryKey(),
    /** Hex SHA-256 of the whole token string. */
    tokenHash: text('token_hash').notNull(),
    /** The queues an agent enrolled with it may serve; empty: any queue. */
    queues: jsonb('queues').$type<string[]>().notNull(),
    /** Enrolments left; null: no limit until it expires. */
    usesLeft: integer('uses_left'),
    expiresAt: at('expires_at').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('agent_enrolment_tokens_token_hash_unique').on(t.tokenHash)],
);

/** Audit of every approval decision: who, when, what commit. */
export const approvals = pgTable(
  'approvals',
  {
    id: text('id').primaryKey(),
    runId: text('run_id')
      .notNull()
      .references(() => runs.id),
    stageId: text('stage_id')
      .notNull()
      .references(() => stages.id),
    decision: text('decision').notNull(),
    approver: text('approver').notNull(),
    comment: text('comment'),
    sha: text('sha').notNull(),
    /** What an approval released: the artifacts the gated stage's jobs were to receive at that moment. */
    artifacts: jsonb('artifacts').$type<ApprovedArtifact[]>().notNull().default([]),
    createdAt: createdAt(),
  },
  (t) => [index('approvals_stage_idx').on(t.stageId)],
);

/** Protected environments: every stage deploying to one gets at least this gate. */
export const environmentProtections = pgTable('environment_protections', {
  name: text('name').primaryKey(),
  /** Token names or `role:NAME`. */
  approvers: jsonb('approvers').notNull(),
  required: integer('required').notNull(),
  /** Refs a run must be on to deploy here; null: any. */
  branches: jsonb('branches'),
  updatedBy: text('updated_by').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

/**
 * Repositories registered for push webhooks. The secret is stored as given:
 * verifying an HMAC needs it; the API never returns it.
 */
export const repositories = pgTable('repositories', {
  /** The clone URL the runs of its pushes build. */
  url: text('url').primaryKey(),
  webhookSecret: text('webhook_secret').notNull(),
  createdBy: text('created_by').notNull(),
  createdAt: createdAt(),
});

/**
 * API identities: a name, its roles, and the SHA-256 of its secret token (the
 * token itself is shown once, when it is created, and never stored).
 */
export const apiTokens = pgTable(
  'api_tokens',
  {
    name: text('name').primaryKey(),
    /** Hex SHA-256 of the whole token string. */
    tokenHash: text('token_hash').notNull(),
    /** Role names, e.g. ["approve", "trigger"]. */
    roles: jsonb('roles').notNull(),
    email: text('email'),
    createdBy: text('created_by').notNull(),
    createdAt: createdAt(),
    /** Written at most once a minute per token. */
    lastUsedAt: at('last_used_at'),
    /** Null: never expires. */
    expiresAt: at('expires_at'),
  },
  (t) => [uniqueIndex('api_tokens_token_hash_unique').on(t.tokenHash)],
);

/**
 * Append-only record of who did what: the migration adds a trigger that makes
 * the database refuse UPDATE, DELETE and TRUNCATE on this table.
 */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    runId: text('run_id'),
    /** The client's address as the controller's socket saw it; null when unknown. */
    sourceAddress: text('source_address'),
    details: jsonb('details').notNull().default({}),
  },
  (t) => [
    index('audit_events_run_idx').on(t.runId, t.id),
    index('audit_events_actor_idx').on(t.actor, t.id),
    index('audit_events_action_idx').on(t.action, t.id),
  ],
);

/**
 * Secret values jobs may be granted (`secrets:` in a job), encrypted with
 * AES-256-GCM under GANTRY_SECRET_KEY: the plaintext is never stored. `repo`
 * is '' for a secret every repository's jobs may name, else the repository
 * (as runs name it) whose jobs get it in preference to the farm-wide one.
 */
export const secrets = pgTable(
  'secrets',
  {
    repo: text('repo').notNull().default(''),
    name: text('name').notNull(),
    /** 12 random bytes, one per encryption. */
    nonce: bytea('nonce').notNull(),
    /** The encrypted value followed by the 16-byte GCM tag; the additional data binds it to (repo, name). */
    ciphertext: bytea('ciphertext').notNull(),
    /** Names the key that encrypted it (the start of its SHA-256), so a wrong key is reported as such. */
    keyId: text('key_id').notNull(),
    updatedBy: text('updated_by').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.repo, t.name] })],
);

/**
 * Saved caches (`cache:`): one archive per (repository, scope, key). The scope
 * is `protected` for protected refs and `ref:<ref>` for every other ref, so a
 * side branch never replaces what protected refs restore. A save replaces the
 * row of its own scope only; the replaced archive is removed from the store.
 */
export const caches = pgTable(
  'caches',
  {
    id: text('id').primaryKey(),
    repo: text('repo').notNull(),
    scope: text('scope').notNull(),
    key: text('key').notNull(),
    /** The archive's key in the artifact store. */
    objectKey: text('object_key').notNull(),
    /** "tar+zstd" or "tar+gzip". */
    format: text('format').notNull(),
    size: bigint('size', { mode: 'number' }).notNull(),
    sha256: text('sha256').notNull(),
    /** The attempt that saved it (no foreign key: a cache outlives the run's rows). */
    runId: text('run_id').notNull(),
    jobId: text('job_id').notNull(),
    createdAt: createdAt(),
    /** Set on every restore; retention (`gantry gc`) removes caches unused for long. */
    lastUsedAt: timestamp('last_used_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('caches_repo_scope_key_unique').on(t.repo, t.scope, t.key),
    index('caches_last_used_idx').on(t.lastUsedAt),
  ],
);

/** What restoring and saving each cache of an attempt did, as its agent reported it (ReportCaches). */
export const jobCacheReports = pgTable(
  'job_cache_reports',
  {
    jobId: text('job_id')
      .notNull()
      .references(() => jobs.id),
    attempt: integer('attempt').notNull(),
    /** CacheReport[] in the order of the job's `cache:` list. */
    reports: jsonb('reports').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.attempt] })],
);

/**
 * JUnit reports an attempt committed, one row per file, written once (the
 * commit is retried; the first read counts): `read` with its cases in
 * `test_cases`, or `refused` with the reason (malformed, too big, too many cases).
 */
export const testReports = pgTable(
  'test_reports',
  {
    id: text('id').primaryKey(),
    runId: text('run_id')
      .notNull()
      .references(() => runs.id),
    jobId: text('job_id')
      .notNull()
      .references(() => jobs.id),
    attempt: integer('attempt').notNull(),
    path: text('path').notNull(),
    /** "read" or "refused". */
    status: text('status').notNull(),
    problem: text('problem'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('test_reports_job_attempt_path_unique').on(t.jobId, t.attempt, t.path),
    index('test_reports_run_idx').on(t.runId),
  ],
);

/** The cases of the read reports; `status` is passed, failed, error or skipped. */
export const testCases = pgTable(
  'test_cases',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    reportId: text('report_id')
      .notNull()
      .references(() => testReports.id),
    runId: text('run_id')
      .notNull()
      .references(() => runs.id),
    jobId: text('job_id')
      .notNull()
      .references(() => jobs.id),
    attempt: integer('attempt').notNull(),
    suite: text('suite').notNull(),
    className: text('class_name').notNull(),
    name: text('name').notNull(),
    status: text('status').notNull(),
    durationMs: integer('duration_ms'),
    message: text('message'),
    output: text('output'),
    /** The runner itself re-ran it after a failure and it passed. */
    flaky: boolean('flaky').notNull().default(false),
  },
  (t) => [index('test_cases_run_idx').on(t.runId), index('test_cases_report_idx').on(t.reportId)],
);

/**
 * What went to an environment: one row per run of a stage with an
 * `environment:` (a rollback re-runs an earlier run's stage and adds a row
 * of kind "rollback"). The sha and artifact digests are those the stage
 * deployed; `approvers` those who released it.
 */
export const deployments = pgTable(
  'deployments',
  {
    id: text('id').primaryKey(),
    environment: text('environment').notNull(),
    runId: text('run_id')
      .notNull()
      .references(() => runs.id),
    stageId: text('stage_id')
      .notNull()
      .references(() => stages.id),
    sha: text('sha').notNull(),
    artifacts: jsonb('artifacts').$type<ApprovedArtifact[]>().notNull().default([]),
    approvers: jsonb('approvers').$type<string[]>().notNull().default([]),
    /** "deploy" or "rollback". */
    kind: text('kind').notNull(),
    /** Who asked for a rollback; null for a deploy. */
    requestedBy: text('requested_by'),
    /** "running", then "succeeded", "failed", "canceled" or "rejected". */
    status: text('status').notNull(),
    createdAt: createdAt(),
    finishedAt: at('finished_at'),
  },
  (t) => [
    index('deployments_environment_idx').on(t.environment, t.createdAt),
    index('deployments_stage_idx').on(t.stageId),
  ],
);
