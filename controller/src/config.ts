/**
 * The only reader of process.env for the controller. Reads every variable
 * declared in config-variables.ts once (a secret also from VARIABLE_FILE),
 * checks it with its schema, reports every bad one by name, and hands each
 * module its slice. Command-line flags override the environment by being
 * passed in as `overrides`, keyed by variable name.
 */
import { resolve } from 'node:path';
import { readSecretFile, SecretFileError } from '@gantry/common';
import type { z } from 'zod';
import { type ControllerVariable, controllerVariables, type VariableDeclaration } from './config-variables.js';
import { DEFAULT_PIPELINE_LIMITS, type PipelineLimits } from './pipeline/limits.js';

type Declarations = typeof controllerVariables;

/** One field per declared variable, typed by its schema. */
export type ControllerConfig = {
  -readonly [K in ControllerVariable as Declarations[K]['field']]: z.output<Declarations[K]['schema']>;
};

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
  overrides: Partial<Record<ControllerVariable, string | undefined>> = {},
): ControllerConfig {
  const problems: string[] = [];
  const config: Record<string, unknown> = {};
  const declarations: [string, VariableDeclaration][] = Object.entries(controllerVariables);
  for (const [variable, declaration] of declarations) {
    const raw = rawValue(variable, declaration, env, overrides[variable as ControllerVariable], problems);
    const parsed = declaration.schema.safeParse(raw);
    if (parsed.success) config[declaration.field] = parsed.data;
    else {
      const shown = declaration.secret ? '' : `=${JSON.stringify(raw ?? '')}`;
      problems.push(...parsed.error.issues.map((issue) => `${variable}${shown}: ${issue.message}`));
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const value = config as ControllerConfig;
  if (value.heartbeatIntervalMs * 2 > value.leaseTtlMs) {
    throw new ConfigError([
      `GANTRY_HEARTBEAT_INTERVAL_MS=${value.heartbeatIntervalMs}: must be at most half of GANTRY_LEASE_TTL_MS (${value.leaseTtlMs})`,
    ]);
  }
  if (value.artifacts !== undefined) {
    const missing = (['GANTRY_S3_ACCESS_KEY', 'GANTRY_S3_SECRET_KEY'] as const).filter(
      (variable) => !value[controllerVariables[variable].field],
    );
    if (missing.length > 0) {
      throw new ConfigError(missing.map((variable) => `${variable}: required when GANTRY_ARTIFACTS is an s3:// store`));
    }
  }
  const pairs = [
    ['GANTRY_TLS_CERT', 'GANTRY_TLS_KEY'],
    ['GANTRY_NATS_USER', 'GANTRY_NATS_PASSWORD'],
  ] as const;
  const unpaired = pairs.flatMap(([a, b]) => {
    const [hasA, hasB] = [a, b].map((variable) => Boolean(value[controllerVariables[variable].field]));
    return hasA === hasB ? [] : [`${hasA ? b : a}: required with ${hasA ? a : b}`];
  });
  if (unpaired.length > 0) throw new ConfigError(unpaired);
  return { ...value, dataDir: resolve(value.dataDir) };
}

/**
 * Replicas on one PostgreSQL database must share their tokens: a replica
 * that generated its own would refuse the tokens the others accept. So with
 * `DATABASE_URL` set, `gantry controller` takes both from the environment (or
 * their `_FILE` variables) and refuses to start without them.
 */
export function requireSharedTokens(config: ControllerConfig): void {
  if (!config.databaseUrl) return;
  const missing = (['GANTRY_ADMIN_TOKEN', 'GANTRY_AGENT_TOKEN'] as const).filter(
    (variable) => !config[controllerVariables[variable].field],
  );
  if (missing.length === 0) return;
  throw new ConfigError(
    missing.map(
      (variable) =>
        `${variable}: required with DATABASE_URL (set it or ${variable}_FILE to the same value on every controller replica; a generated token would differ per replica)`,
    ),
  );
}

/** The NATS servers of GANTRY_NATS_URL, in order. */
export function natsServersOf(natsUrl: string): string[] {
  return natsUrl
    .split(',')
    .map((server) => server.trim())
    .filter((server) => server !== '');
}

/** The pipeline's bounds, for the scheduler and the source (the fixed ones keep their defaults). */
export function pipelineLimitsOf(config: ControllerConfig): PipelineLimits {
  return {
    ...DEFAULT_PIPELINE_LIMITS,
    maxPipelineBytes: config.maxPipelineBytes,
    maxJobsPerStage: config.maxJobsPerStage,
    maxJobsPerRun: config.maxJobsPerRun,
    maxStepsPerJob: config.maxStepsPerJob,
    maxStepBytes: config.maxStepBytes,
    maxJobSpecBytes: config.maxJobSpecBytes,
  };
}

/** Flag, then variable, then VARIABLE_FILE for a secret, then the default; an empty string counts as unset. */
function rawValue(
  variable: string,
  declaration: VariableDeclaration,
  env: Record<string, string | undefined>,
  override: string | undefined,
  problems: string[],
): string | undefined {
  if (nonEmpty(override)) return override;
  const direct = env[variable];
  const file = declaration.secret ? env[`${variable}_FILE`] : undefined;
  if (nonEmpty(direct) && nonEmpty(file)) {
    problems.push(`${variable}_FILE: set either ${variable} or ${variable}_FILE, not both`);
    return direct;
  }
  if (nonEmpty(direct)) return direct;
  if (nonEmpty(file)) {
    try {
      return readSecretFile(file);
    } catch (error) {
      if (!(error instanceof SecretFileError)) throw error;
      problems.push(`${variable}_FILE: ${error.message}`);
      return undefined;
    }
  }
  return declaration.default;
}

function nonEmpty(value: string | undefined): value is string {
  return value !== undefined && value !== '';
}
