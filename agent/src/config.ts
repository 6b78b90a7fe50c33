/**
 * Agent configuration: command-line flags first, then GANTRY_* environment
 * variables (a secret also from VARIABLE_FILE), then defaults, as declared in
 * config-variables.ts. The only module that reads process.env; every other
 * module receives its slice of {@link AgentConfig}.
 */

import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { readSecretFile } from '@gantry/common';
import { type AgentFlags, parseAgentArguments } from './cli-arguments.js';
import { type AgentVariable, type AgentVariableDeclaration, agentVariables } from './config-variables.js';

export interface AgentConfig {
  /** Controller gRPC addresses, `host:port`, in the order they are tried (several replicas fail over). */
  controllerAddresses: string[];
  /** NATS server URL(s), comma separated as the nats client accepts them. */
  natsUrl: string;
  /** NATS user and password (GANTRY_NATS_USER / _PASSWORD); the password is never logged. */
  natsUser: string | undefined;
  natsPassword: string | undefined;
  /** PEM CA file trusted for the controller's gRPC and NATS TLS; undefined: plaintext gRPC, system CAs for NATS. */
  caFile: string | undefined;
  queues: string[];
  slots: number;
  /** Registration token sent as `authorization: Bearer <token>`. Never logged. */
  token: string;
  /** Absolute path; holds `repos/` (git caches), `snapshots/` (checked-out commits) and `workspaces/`. */
  workDir: string;
  name: string;
  /** --run-as: the user steps run as (a name or uid), or undefined for the agent's own user. */
  runAs: string | undefined;
  /** SIGTERM → SIGKILL grace when a job is timed out or canceled. */
  killGraceMs: number;
  /** GANTRY_AGENT_LOG_HOLD_MS: how long a job's first log chunks wait to go with FinishJob. */
  logHoldMs: number;
  /** GANTRY_ARTIFACT_MAX_BYTES: all the artifacts of one job, in bytes. */
  artifactMaxBytes: number;
  /** GANTRY_CACHE_MAX_BYTES: the largest cache archive saved. */
  cacheMaxBytes: number;
  /** GANTRY_CACHE_LOCAL_MAX_BYTES: disk for local copies of cache archives. */
  cacheLocalMaxBytes: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
  /** Port of the agent's own /metrics and /healthz; undefined = not served, 0 = any free port. */
  metricsPort: number | undefined;
  metricsHost: string;
  /** The agent's environment minus its secrets: git runs with it; steps get only its allow-listed part. */
  baseEnv: Record<string, string>;
}

export type ConfigResult = { ok: true; config: AgentConfig; warnings: string[] } | { ok: false; problems: string[] };

/** Parses `gantry agent` arguments and the environment; 'help' when --help or --version was asked for. */
export async function loadAgentConfig(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<ConfigResult | 'help'> {
  const parsed = await parseAgentArguments(argv);
  if (parsed.kind === 'output') return 'help';
  if (parsed.kind === 'error') return { ok: false, problems: [parsed.message] };
  return resolveAgentConfig(parsed.flags, env);
}

/**
 * Builds the configuration from parsed flags and the environment. Pure apart
 * from reading secret files and the hostname and pid for defaults; collects
 * every problem rather than the first.
 */
export function resolveAgentConfig(flags: AgentFlags, env: NodeJS.ProcessEnv): ConfigResult {
  const problems: string[] = [];
  const warnings: string[] = [];
  const values: Record<string, unknown> = {};
  const raws: Partial<Record<AgentVariable, string>> = {};
  for (const [variable, declaration] of Object.entries(agentVariables) as [AgentVariable, AgentVariableDeclaration][]) {
    const before = problems.length;
    const { raw, source } = rawValue(variable, declaration, flags, env, problems);
    if (problems.length > before) continue;
    if (declaration.secret && source === `--${declaration.flag}`) {
      warnings.push(
        `--${declaration.flag} is visible to every user of this machine (ps); use ${variable}_FILE or --${declaration.flag}-file`,
      );
    }
    const value = raw ?? computedDefault(variable, raws);
    raws[variable] = value;
    const result = declaration.check(value);
    if (result.ok) values[declaration.field] = result.value;
    else {
      const shown =
        declaration.secret || variable === 'GANTRY_NATS_URL' || value === undefined
          ? ''
          : ` (got ${JSON.stringify(value)})`;
      problems.push(`${source}: ${result.message}${shown}`);
    }
  }
  if ((values.natsUser === undefined) !== (values.natsPassword === undefined)) {
    problems.push('GANTRY_NATS_USER and GANTRY_NATS_PASSWORD: set both or neither');
  }
  if (problems.length > 0) return { ok: false, problems };
  const data = values as Omit<AgentConfig, 'baseEnv'>;
  const hidden = new Set(
    Object.entries(agentVariables as Record<string, AgentVariableDeclaration>)
      .filter(([, declaration]) => declaration.secret)
      .flatMap(([variable]) => [variable, `${variable}_FILE`]),
  );
  const baseEnv: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && !hidden.has(key)) baseEnv[key] = value;
  }
  return { ok: true, config: { ...data, workDir: resolve(data.workDir), baseEnv }, warnings };
}

/** Flag, flag-file, variable, VARIABLE_FILE, default; `source` names where the value came from (for problems). */
function rawValue(
  variable: string,
  declaration: AgentVariableDeclaration,
  flags: AgentFlags,
  env: NodeJS.ProcessEnv,
  problems: string[],
): { raw: string | undefined; source: string } {
  const flag = declaration.flag === undefined ? undefined : `--${declaration.flag}`;
  const fromFile = (source: string, path: string) => {
    try {
      return { raw: readSecretFile(path), source };
    } catch (error) {
      problems.push(`${source}: ${(error as Error).message}`);
      return { raw: '', source };
    }
  };
  if (flag && flags[declaration.flag as string] !== undefined)
    return { raw: flags[declaration.flag as string], source: flag };
  const flagFile = flag && declaration.secret ? flags[`${declaration.flag}-file`] : undefined;
  if (flagFile !== undefined) return fromFile(`${flag}-file`, flagFile);
  const direct = env[variable];
  if (direct !== undefined && direct !== '') return { raw: direct, source: variable };
  const file = declaration.secret ? env[`${variable}_FILE`] : undefined;
  if (file !== undefined && file !== '') return fromFile(`${variable}_FILE`, file);
  return { raw: declaration.default, source: flag ? `${flag} / ${variable}` : variable };
}

/** Defaults that depend on the machine or on another setting. */
function computedDefault(variable: AgentVariable, raws: Partial<Record<AgentVariable, string>>): string | undefined {
  if (variable === 'GANTRY_AGENT_NAME') return `${hostname()}-${process.pid}`;
  if (variable === 'GANTRY_AGENT_WORK_DIR') return `./.gantry/agent-${raws.GANTRY_AGENT_NAME}`;
  return undefined;
}
