/**
 * Every environment variable the controller reads, declared once: the schema
 * that checks it, its default, the `gantry controller` / `gantry up` flag that
 * overrides it, and its help line. config.ts builds the parsed configuration
 * from this table, the CLI builds its flags and help from it, and the README's
 * table is generated from it (`npm run docs:config`). Adding a variable is one
 * entry here.
 */
import { z } from 'zod';
import { parseS3Location, StoreLocationError } from './artifacts/store-location.js';
import { DEFAULT_PIPELINE_LIMITS } from './pipeline/limits.js';
import { parseSecretKey } from './secret-store/secret-key.js';

/** One variable. `field` names it in {@link ControllerConfig}. */
export interface VariableDeclaration {
  field: string;
  /** Checks the raw string (after the default is applied) and converts it. */
  schema: z.ZodType;
  /** The value when unset, spelled as the variable would be. */
  default?: string;
  /** What the README shows as the default when `default` does not say it (computed, or absent). */
  defaultText?: string;
  /** Long flag (without `--`) that overrides the variable on the commands that accept it. */
  flag?: string;
  help: string;
  /** Also read from the file named by VARIABLE_FILE; its value is never echoed in messages. */
  secret?: boolean;
}

const port = z.coerce.number().int().min(0).max(65535);
const positiveMs = z.coerce.number().int().positive();
const token = z.string().min(16, 'must be at least 16 characters');
/** The upper bounds keep every statement over one stage's or run's jobs within PostgreSQL's 65,535 parameters. */
const limit = (max: number) => z.coerce.number().int().positive().max(max);
const MiB = 1024 * 1024;
/** GANTRY_REPO_ALLOW: absolute directories and URL prefixes (`https://host/`, `ssh://…`, `git@host:`). */
const repositoryList = z
  .string()
  .max(16_384)
  .optional()
  .transform((value) =>
    value
      ?.split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== ''),
  )
  .refine((entries) => entries === undefined || entries.length > 0, 'must list at least one entry')
  .refine(
    (entries) => (entries ?? []).every((entry) => /^(\/|[a-z][a-z0-9+.-]*:\/\/.|[^/\s]+@[^:\s]+:)/i.test(entry)),
    'each entry must be an absolute directory or a URL prefix such as https://git.example.com/',
  );

export const controllerVariables = {
  DATABASE_URL: {
    field: 'databaseUrl',
    schema: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL (leave unset for embedded PGlite)')
      .optional(),
    defaultText: '(PGlite in the data dir)',
    flag: 'database-url',
    help: '`postgres://…` to use a PostgreSQL server',
    secret: true,
  },
  GANTRY_DATABASE_PREPARED_STATEMENTS: {
    field: 'databasePreparedStatements',
    schema: z.enum(['0', '1'], { message: 'must be 1 (prepare repeated statements) or 0' }).transform((v) => v === '1'),
    default: '1',
    help: '`0`: send every statement unprepared (for a connection pooler that cannot keep prepared statements per client, such as PgBouncer before 1.21); PostgreSQL only',
  },
  GANTRY_NATS_URL: {
    field: 'natsUrl',
    schema: z
      .string()
      .refine(
        (value) => value.split(',').every((server) => /^(nats|tls|wss?):\/\/\S+$/.test(server.trim())),
        'must be a nats:// URL, or several separated by commas',
      ),
    default: 'nats://127.0.0.1:4222',
    defaultText: '`nats://127.0.0.1:4222` (`up` starts its own)',
    flag: 'nats',
    help: 'NATS with JetStream; the servers of a cluster separated by commas',
  },
  GANTRY_JOBS_REPLICAS: {
    field: 'jobsReplicas',
    schema: z.coerce.number().int().min(1).max(5),
    default: '1',
    help: 'replicas of the `GANTRY_JOBS` stream, 1–5 (`3` on a 3-node NATS cluster)',
  },
  GANTRY_NATS_USER: {
    field: 'natsUser',
    schema: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 of A-Z a-z 0-9 _ -')
      .optional(),
    defaultText: '(none; `up` makes its own users)',
    help: 'NATS user of the controller (see `gantry nats-config`)',
  },
  GANTRY_NATS_PASSWORD: {
    field: 'natsPassword',
    schema: z.string().max(1024).optional(),
    help: 'password of `GANTRY_NATS_USER`',
    secret: true,
  },
  GANTRY_DATA_DIR: {
    field: 'dataDir',
    schema: z.string().min(1),
    default: '.gantry',
    flag: 'data-dir',
    help: 'tokens, PGlite files, repository cache, logs of `up`',
  },
  GANTRY_BIND_HOST: {
    field: 'bindHost',
    schema: z.string().min(1),
    default: '127.0.0.1',
    flag: 'host',
    help: 'interface for HTTP and gRPC; `0.0.0.0` for remote agents',
  },
  GANTRY_HTTP_PORT: { field: 'httpPort', schema: port, default: '8080', flag: 'http-port', help: 'HTTP API port' },
  GANTRY_GRPC_PORT: { field: 'grpcPort', schema: port, default: '7070', flag: 'grpc-port', help: 'agents’ gRPC port' },
  GANTRY_PUBLIC_URL: {
    field: 'publicUrl',
    schema: z.url().optional(),
    defaultText: '`http://HOST:HTTP_PORT`',
    help: 'base URL of the links the API returns; behind a proxy or load balancer, its URL',
  },
  GANTRY_TLS_CERT: {
    field: 'tlsCert',
    schema: z.string().min(1).optional(),
    defaultText: '(plaintext)',
    flag: 'tls-cert',
    help: 'PEM certificate (chain) file: serve HTTP and gRPC over TLS only; needs `GANTRY_TLS_KEY`',
  },
  GANTRY_TLS_KEY: {
    field: 'tlsKey',
    schema: z.string().min(1).optional(),
    flag: 'tls-key',
    help: 'PEM private key file of `GANTRY_TLS_CERT`',
  },
  GANTRY_CA: {
    field: 'caFile',
    schema: z.string().min(1).optional(),
    defaultText: '(system CAs)',
    help: 'PEM file of the CA certificates that sign the `tls://` NATS servers’ certificates',
  },
  GANTRY_ADMIN_TOKEN: {
    field: 'adminToken',
    schema: token.optional(),
    defaultText: 'generated, saved in `DATA_DIR/admin-token`',
    help: 'API bearer token; required with `DATABASE_URL` (shared by every replica)',
    secret: true,
  },
  GANTRY_AGENT_TOKEN: {
    field: 'agentToken',
    schema: token.optional(),
    defaultText: 'generated, saved in `DATA_DIR/agent-token`',
    help: 'standing enrolment token: an agent presenting it enrols once for any queue and gets its own credential; required with `DATABASE_URL` (shared by every replica)',
    secret: true,
  },
  GANTRY_SECRET_KEY: {
    field: 'secretKey',
    schema: z
      .string()
      .refine((value) => parseSecretKey(value) !== undefined, 'must be 32 bytes as 64 hex digits or base64')
      .transform((value) => parseSecretKey(value))
      .optional(),
    defaultText: '(none; `up`: generated, saved in `DATA_DIR/secret-key`)',
    help: 'key that encrypts job secrets at rest (AES-256-GCM); without it secrets cannot be set or used. The same on every replica',
    secret: true,
  },
  GANTRY_REPO_ALLOW: {
    field: 'repoAllow',
    schema: repositoryList,
    defaultText: 'network URLs; local paths too under `up`',
    help: 'comma-separated URL prefixes and absolute directories that may be built; nothing else is read',
  },
  GANTRY_LEASE_TTL_MS: { field: 'leaseTtlMs', schema: positiveMs, default: '30000', help: 'job lease' },
  GANTRY_HEARTBEAT_INTERVAL_MS: {
    field: 'heartbeatIntervalMs',
    schema: positiveMs,
    default: '3000',
    help: 'agents’ heartbeat; at most half the lease',
  },
  GANTRY_RECONNECT_GRACE_MS: {
    field: 'reconnectGraceMs',
    schema: positiveMs,
    default: '2000',
    help: 'how long a disconnected agent has to reconnect before its attempts end `lost`; keep it well above 500 ms, the longest an agent that left a silent replica waits before connecting again',
  },
  GANTRY_REPUBLISH_AFTER_MS: {
    field: 'republishAfterMs',
    schema: positiveMs,
    default: '15000',
    help: 'a queued job not claimed after this long has its offer published again',
  },
  GANTRY_METRICS_PUBLIC: {
    field: 'metricsPublic',
    schema: z
      .enum(['0', '1'], { message: 'must be 1 (serve /metrics without a token) or 0' })
      .transform((v) => v === '1'),
    default: '0',
    help: '`1`: serve `GET /metrics` without the admin token',
  },
  GANTRY_JOBS_STREAM_CHECK_INTERVAL_MS: {
    field: 'jobsStreamCheckIntervalMs',
    schema: positiveMs,
    default: '10000',
    help: 'how often the jobs stream is checked (and recreated when missing)',
  },
  GANTRY_OUTBOX_MAX_AGE_MS: {
    field: 'outboxMaxAgeMs',
    schema: positiveMs,
    default: '30000',
    help: '`/healthz` fails once an offer waits longer than this unpublished',
  },
  GANTRY_MAX_PIPELINE_BYTES: {
    field: 'maxPipelineBytes',
    schema: limit(64 * MiB),
    default: String(DEFAULT_PIPELINE_LIMITS.maxPipelineBytes),
    help: 'size of the `.gantry.yml` file',
  },
  GANTRY_MAX_JOBS_PER_STAGE: {
    field: 'maxJobsPerStage',
    schema: limit(50_000),
    default: String(DEFAULT_PIPELINE_LIMITS.maxJobsPerStage),
    help: 'jobs in one stage, after matrix expansion (at most 50,000)',
  },
  GANTRY_MAX_JOBS_PER_RUN: {
    field: 'maxJobsPerRun',
    schema: limit(50_000),
    default: String(DEFAULT_PIPELINE_LIMITS.maxJobsPerRun),
    help: 'jobs in one run, after matrix expansion (at most 50,000)',
  },
  GANTRY_MAX_STEPS_PER_JOB: {
    field: 'maxStepsPerJob',
    schema: limit(1_000_000),
    default: String(DEFAULT_PIPELINE_LIMITS.maxStepsPerJob),
    help: 'steps in one job',
  },
  GANTRY_MAX_STEP_BYTES: {
    field: 'maxStepBytes',
    schema: limit(64 * MiB),
    default: String(DEFAULT_PIPELINE_LIMITS.maxStepBytes),
    help: 'one step’s shell line, in bytes',
  },
  GANTRY_MAX_JOB_SPEC_BYTES: {
    field: 'maxJobSpecBytes',
    schema: limit(256 * MiB),
    default: String(DEFAULT_PIPELINE_LIMITS.maxJobSpecBytes),
    help: 'one job as sent to an agent (name, queue, steps, env, artifacts, matrix values), in bytes',
  },
  GANTRY_MAX_LOG_BYTES_PER_JOB: {
    field: 'maxLogBytesPerJob',
    schema: z.coerce.number().int().min(1024).max(Number.MAX_SAFE_INTEGER),
    default: String(512 * MiB),
    help: 'output stored per job attempt, in bytes; past it the log says it was cut and the job goes on',
  },
  GANTRY_TEST_REPORT_MAX_BYTES: {
    field: 'testReportMaxBytes',
    schema: limit(256 * MiB),
    default: String(10 * MiB),
    help: 'a JUnit report (`reports.junit`), in bytes; a bigger one is refused unread, with a line in the job log',
  },
  GANTRY_TEST_REPORT_MAX_CASES: {
    field: 'testReportMaxCases',
    schema: limit(1_000_000),
    default: '20000',
    help: 'test cases in one JUnit report; a report with more is refused, with a line in the job log',
  },
  GANTRY_MAX_REQUEST_BYTES: {
    field: 'maxRequestBytes',
    schema: limit(256 * MiB),
    default: String(MiB),
    help: 'an HTTP request body, in bytes (larger: 413)',
  },
  GANTRY_APPROVAL_WEBHOOK: {
    field: 'approvalWebhook',
    schema: z
      .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
      .max(2048)
      .optional(),
    defaultText: '(none)',
    help: 'URL that gets a JSON POST whenever a stage starts waiting for approval',
    secret: true,
  },
  GANTRY_APPROVAL_WEBHOOK_SECRET: {
    field: 'approvalWebhookSecret',
    schema: token.optional(),
    defaultText: '(none)',
    help: 'signs each approval webhook body: `X-Gantry-Signature-256: sha256=<HMAC-SHA256 hex>`',
    secret: true,
  },
  GANTRY_ARTIFACTS: {
    field: 'artifacts',
    schema: z
      .string()
      .transform((text, context) => {
        try {
          return parseS3Location(text);
        } catch (error) {
          if (!(error instanceof StoreLocationError)) throw error;
          context.addIssue({ code: 'custom', message: error.message });
          return z.NEVER;
        }
      })
      .optional(),
    defaultText: '(files in `DATA_DIR/artifacts`)',
    help: 'artifact and log store: `s3://BUCKET?endpoint=http://HOST:PORT&region=REGION` (MinIO or any S3)',
  },
  GANTRY_S3_ACCESS_KEY: {
    field: 's3AccessKey',
    schema: z.string().optional(),
    help: 'access key of the `s3://` store (required with it)',
    secret: true,
  },
  GANTRY_S3_SECRET_KEY: {
    field: 's3SecretKey',
    schema: z.string().optional(),
    help: 'secret key of the `s3://` store (required with it)',
    secret: true,
  },
  GANTRY_CACHE_PROTECTED_BRANCHES: {
    field: 'cacheProtectedBranches',
    schema: z
      .string()
      .max(4096)
      .transform((text) =>
        text
          .split(',')
          .map((entry) => entry.trim())
          .filter((entry) => entry !== ''),
      ),
    default: 'main,master',
    help: 'branches (globs; `refs/…` patterns match full refs) whose jobs save the caches every ref restores; other refs save only into their own scope',
  },
  GANTRY_CACHE_MAX_BYTES: {
    field: 'cacheMaxBytes',
    schema: z.coerce
      .number()
      .int()
      .positive()
      .max(10 ** 14),
    default: String(5 * 1024 ** 3),
    help: 'largest cache archive the controller records, in bytes',
  },
  GANTRY_LOG_LEVEL: {
    field: 'logLevel',
    schema: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']),
    default: 'info',
    help: 'controller log level',
  },
} as const satisfies Record<string, VariableDeclaration>;

export type ControllerVariable = keyof typeof controllerVariables;
