/**
 * Agent configuration: command-line flags first, then GANTRY_* environment
 * variables, then defaults. The only module that reads process.env; every other
 * module receives its slice of {@link AgentConfig}.
 */
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

export interface AgentConfig {
  /** Controller gRPC address, `host:port`. */
  controllerAddress: string;
  /** NATS server URL(s), comma separated as the nats client accepts them. */
  natsUrl: string;
  queues: string[];
  slots: number;
  /** Registration token sent as `authorization: Bearer <token>`. Never logged. */
  token: string;
  /** Absolute path; holds `repos/` (git caches), `snapshots/` (checked-out commits) and `workspaces/`. */
  workDir: string;
  name: string;
  /** SIGTERM → SIGKILL grace when a job is timed out or canceled. */
  killGraceMs: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';
  /** Environment every step starts from (the agent's own, minus its token). */
  baseEnv: Record<string, string>;
  /** Port of the agent's own /metrics and /healthz; undefined = not served, 0 = any free port. */
  metricsPort: number | undefined;
  metricsHost: string;
}

export type ConfigResult = { ok: true; config: AgentConfig } | { ok: false; problems: string[] };

export const agentUsage = `usage: gantry agent --controller HOST:PORT --nats URL --token T
       [--queue Q ...] [--slots N] [--work-dir DIR] [--name NAME]
       [--metrics-port PORT] [--metrics-host HOST]
env:   GANTRY_CONTROLLER GANTRY_NATS_URL GANTRY_AGENT_TOKEN GANTRY_AGENT_QUEUES
       GANTRY_AGENT_SLOTS GANTRY_AGENT_WORK_DIR GANTRY_AGENT_NAME GANTRY_AGENT_KILL_GRACE_MS GANTRY_LOG_LEVEL
       GANTRY_AGENT_METRICS_PORT GANTRY_AGENT_METRICS_HOST`;

const flagOptions = {
  controller: { type: 'string' },
  nats: { type: 'string' },
  queue: { type: 'string', multiple: true },
  slots: { type: 'string' },
  token: { type: 'string' },
  'work-dir': { type: 'string' },
  name: { type: 'string' },
  'metrics-port': { type: 'string' },
  'metrics-host': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Field → [flag, environment variable]: how problems are named. */
const sources = {
  controllerAddress: ['--controller', 'GANTRY_CONTROLLER'],
  natsUrl: ['--nats', 'GANTRY_NATS_URL'],
  queues: ['--queue', 'GANTRY_AGENT_QUEUES'],
  slots: ['--slots', 'GANTRY_AGENT_SLOTS'],
  token: ['--token', 'GANTRY_AGENT_TOKEN'],
  workDir: ['--work-dir', 'GANTRY_AGENT_WORK_DIR'],
  name: ['--name', 'GANTRY_AGENT_NAME'],
  killGraceMs: [undefined, 'GANTRY_AGENT_KILL_GRACE_MS'],
  logLevel: [undefined, 'GANTRY_LOG_LEVEL'],
  metricsPort: ['--metrics-port', 'GANTRY_AGENT_METRICS_PORT'],
  metricsHost: ['--metrics-host', 'GANTRY_AGENT_METRICS_HOST'],
} as const;
type Field = keyof typeof sources;

function isNatsServer(value: string): boolean {
  try {
    const url = new URL(/^[a-z]+:\/\//i.test(value) ? value : `nats://${value}`);
    return ['nats:', 'tls:', 'ws:', 'wss:'].includes(url.protocol) && url.hostname.length > 0;
  } catch {
    return false;
  }
}
const queueName = /^[A-Za-z0-9_-]+$/;
const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;

/** Checks one raw value: the parsed value, or the problem with it. */
type Check<T> = (raw: unknown) => { ok: true; value: T } | { ok: false; message: string };

const valid = <T>(value: T) => ({ ok: true as const, value });
const problem = (message: string) => ({ ok: false as const, message });

function text(options: { pattern?: RegExp; message?: string; refine?: (v: string) => boolean } = {}): Check<string> {
  return (raw) => {
    if (typeof raw !== 'string') return problem('is required');
    if (raw.length === 0) return problem('must not be empty');
    if (options.pattern && !options.pattern.test(raw)) return problem(options.message ?? 'is not valid');
    if (options.refine && !options.refine(raw)) return problem(options.message ?? 'is not valid');
    return valid(raw);
  };
}

function integer(min: number, max: number): Check<number> {
  return (raw) => {
    if (typeof raw !== 'string' || !/^\d+$/.test(raw)) return problem(`must be an integer between ${min} and ${max}`);
    const value = Number(raw);
    if (value < min) return problem(`must be at least ${min}`);
    if (value > max) return problem(`must be at most ${max}`);
    return valid(value);
  };
}

/**
 * The schema: one check per field. Plain functions rather than a schema
 * library: zod alone added ~15-20 MB to the agent's idle memory.
 */
const schema: { [K in Exclude<keyof AgentConfig, 'baseEnv'>]: Check<AgentConfig[K]> } = {
  controllerAddress: text({
    pattern: /^[^\s:]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/,
    message: 'must be HOST:PORT',
  }),
  natsUrl: text({
    refine: (v) => v.split(',').every((s) => isNatsServer(s.trim())),
    message: 'must be a NATS URL like nats://host:4222',
  }),
  queues: (raw) => {
    const queues = raw as string[];
    if (queues.length === 0) return problem('needs at least one queue');
    if (!queues.every((q) => queueName.test(q)))
      return problem('queue names may use only letters, digits, "_" and "-"');
    return valid(queues);
  },
  slots: integer(1, 256),
  token: text(),
  workDir: text(),
  name: text({ pattern: /^[A-Za-z0-9._-]{1,128}$/, message: 'may use only letters, digits, ".", "_" and "-"' }),
  killGraceMs: integer(0, 600_000),
  logLevel: (raw) =>
    logLevels.includes(raw as AgentConfig['logLevel'])
      ? valid(raw as AgentConfig['logLevel'])
      : problem(`must be one of ${logLevels.join(', ')}`),
  metricsPort: (raw) => (raw === undefined ? valid(undefined) : integer(0, 65535)(raw)),
  metricsHost: text({ pattern: /^[A-Za-z0-9.:[\]-]+$/, message: 'must be a host name or IP address' }),
};

/**
 * Parses `gantry agent` arguments and the environment. Pure apart from reading
 * the hostname and pid for defaults; collects every problem rather than the first.
 */
export function loadAgentConfig(argv: string[], env: NodeJS.ProcessEnv = process.env): ConfigResult | 'help' {
  let flags: ReturnType<typeof parseFlags>;
  try {
    flags = parseFlags(argv);
  } catch (error) {
    return { ok: false, problems: [(error as Error).message] };
  }
  if (flags.help) return 'help';

  const used: Partial<Record<Field, string>> = {};
  const pick = (field: Field, flagValue: string | undefined): string | undefined => {
    const [flag, variable] = sources[field];
    if (flagValue !== undefined && flag) {
      used[field] = flag;
      return flagValue;
    }
    const fromEnv = env[variable];
    if (fromEnv !== undefined && fromEnv !== '') {
      used[field] = variable;
      return fromEnv;
    }
    used[field] = flag ? `${flag} / ${variable}` : variable;
    return undefined;
  };

  const name = pick('name', flags.name) ?? `${hostname()}-${process.pid}`;
  const queueList = flags.queue?.length ? flags.queue.join(',') : undefined;
  const raw = {
    controllerAddress: pick('controllerAddress', flags.controller),
    natsUrl: pick('natsUrl', flags.nats),
    queues: splitList(pick('queues', queueList) ?? 'default'),
    slots: pick('slots', flags.slots) ?? '1',
    token: pick('token', flags.token),
    workDir: pick('workDir', flags['work-dir']) ?? `./.gantry/agent-${name}`,
    name,
    killGraceMs: pick('killGraceMs', undefined) ?? '10000',
    logLevel: pick('logLevel', undefined) ?? 'info',
    metricsPort: pick('metricsPort', flags['metrics-port']),
    metricsHost: pick('metricsHost', flags['metrics-host']) ?? '127.0.0.1',
  };

  const problems: string[] = [];
  const parsed: Record<string, unknown> = {};
  for (const field of Object.keys(schema) as Field[]) {
    const result = (schema[field] as Check<unknown>)(raw[field]);
    if (result.ok) parsed[field] = result.value;
    else {
      const shown = field === 'token' || field === 'natsUrl' ? '' : describeValue(raw[field]);
      problems.push(`${used[field] ?? String(field)}: ${result.message}${shown}`);
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  const data = parsed as Omit<AgentConfig, 'baseEnv'>;
  const baseEnv: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && key !== 'GANTRY_AGENT_TOKEN') baseEnv[key] = value;
  }
  const config = { ...data, workDir: resolve(data.workDir), baseEnv };
  return { ok: true, config };
}

function parseFlags(argv: string[]) {
  const { values, positionals } = parseArgs({ args: argv, options: flagOptions, strict: true, allowPositionals: true });
  if (positionals.length > 0) throw new Error(`unexpected argument "${positionals[0]}"`);
  return values;
}

function splitList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function describeValue(value: unknown): string {
  if (value === undefined) return '';
  return ` (got ${JSON.stringify(value)})`;
}
