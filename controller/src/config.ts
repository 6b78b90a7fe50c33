/**
 * The only reader of process.env for the controller. Parses every GANTRY_*
 * variable (and DATABASE_URL) once with a schema, reports every bad one by
 * name, and hands each module its slice. Command-line flags override the
 * environment by being passed in as `overrides`.
 */
import { resolve } from 'node:path';
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65535);
const positiveMs = z.coerce.number().int().positive();

const schema = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL (leave unset for embedded PGlite)')
    .optional(),
  GANTRY_NATS_URL: z
    .string()
    .regex(/^(nats|tls|wss?):\/\//, 'must be a nats:// URL')
    .default('nats://127.0.0.1:4222'),
  GANTRY_DATA_DIR: z.string().min(1).default('.gantry'),
  GANTRY_BIND_HOST: z.string().min(1).default('127.0.0.1'),
  GANTRY_HTTP_PORT: port.default(8080),
  GANTRY_GRPC_PORT: port.default(7070),
  GANTRY_PUBLIC_URL: z.url().optional(),
  GANTRY_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  GANTRY_AGENT_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  GANTRY_LEASE_TTL_MS: positiveMs.default(30_000),
  GANTRY_HEARTBEAT_INTERVAL_MS: positiveMs.default(3_000),
  GANTRY_RECONNECT_GRACE_MS: positiveMs.default(2_000),
  GANTRY_REPUBLISH_AFTER_MS: positiveMs.default(15_000),
  GANTRY_MAX_LOG_BYTES_PER_JOB: z.coerce
    .number()
    .int()
    .min(1024)
    .max(Number.MAX_SAFE_INTEGER)
    .default(512 * 1024 * 1024),
  GANTRY_LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
});

export interface ControllerConfig {
  databaseUrl: string | undefined;
  natsUrl: string;
  dataDir: string;
  bindHost: string;
  httpPort: number;
  grpcPort: number;
  publicUrl: string | undefined;
  adminToken: string | undefined;
  agentToken: string | undefined;
  leaseTtlMs: number;
  heartbeatIntervalMs: number;
  /** How long a disconnected agent has to reconnect before its attempts end `lost`. */
  reconnectGraceMs: number;
  /** A queued job not claimed after this long gets its offer published again. */
  republishAfterMs: number;
  logLevel: string;
  /** Output stored per attempt; past it the log ends with a line saying it was cut, and the job goes on. */
  maxLogBytesPerJob: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'CONFIG_INVALID';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((problem) => `  ${problem}`).join('\n')}`);
  }
}

/** Parses the environment (plus flag overrides keyed by variable name). Throws ConfigError listing every problem. */
export function loadControllerConfig(
  env: Record<string, string | undefined> = process.env,
  overrides: Record<string, string | undefined> = {},
): ControllerConfig {
  const merged: Record<string, string | undefined> = { ...env };
  for (const [key, value] of Object.entries(overrides)) if (value !== undefined) merged[key] = value;
  for (const key of Object.keys(merged)) if (merged[key] === '') delete merged[key];
  const parsed = schema.safeParse(merged);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map(
        (issue) => `${String(issue.path[0])}=${JSON.stringify(merged[String(issue.path[0])] ?? '')}: ${issue.message}`,
      ),
    );
  }
  const value = parsed.data;
  if (value.GANTRY_HEARTBEAT_INTERVAL_MS * 2 > value.GANTRY_LEASE_TTL_MS) {
    throw new ConfigError([
      `GANTRY_HEARTBEAT_INTERVAL_MS=${value.GANTRY_HEARTBEAT_INTERVAL_MS}: must be at most half of GANTRY_LEASE_TTL_MS (${value.GANTRY_LEASE_TTL_MS})`,
    ]);
  }
  return {
    databaseUrl: value.DATABASE_URL,
    natsUrl: value.GANTRY_NATS_URL,
    dataDir: resolve(value.GANTRY_DATA_DIR),
    bindHost: value.GANTRY_BIND_HOST,
    httpPort: value.GANTRY_HTTP_PORT,
    grpcPort: value.GANTRY_GRPC_PORT,
    publicUrl: value.GANTRY_PUBLIC_URL,
    adminToken: value.GANTRY_ADMIN_TOKEN,
    agentToken: value.GANTRY_AGENT_TOKEN,
    leaseTtlMs: value.GANTRY_LEASE_TTL_MS,
    heartbeatIntervalMs: value.GANTRY_HEARTBEAT_INTERVAL_MS,
    reconnectGraceMs: value.GANTRY_RECONNECT_GRACE_MS,
    republishAfterMs: value.GANTRY_REPUBLISH_AFTER_MS,
    logLevel: value.GANTRY_LOG_LEVEL,
    maxLogBytesPerJob: value.GANTRY_MAX_LOG_BYTES_PER_JOB,
  };
}
