/**
 * Every environment variable and flag of `gantry agent`, declared once: the
 * check of its value, its default, its flag and help. config.ts reads the
 * configuration from this table, cli-arguments.ts builds the flags and help
 * from it, and the README's table is generated from it (`npm run docs:config`).
 * Adding a setting is one entry here (and its field in AgentConfig).
 *
 * Plain check functions rather than a schema library: zod alone added
 * ~15-20 MB to the agent's idle memory.
 */
import { type Check, integer, oneOf, problem, text, valid } from './config-checks.js';

export interface AgentVariableDeclaration {
  /** Field of AgentConfig it fills. */
  field: string;
  check: Check<unknown>;
  /** Long flag (without `--`) that overrides the variable. */
  flag?: string;
  /** The flag may be repeated; its values are joined with commas, as the variable spells a list. */
  repeatable?: boolean;
  /** The value when unset, spelled as the variable would be. */
  default?: string;
  /** What the help and README show as the default when it is computed. */
  defaultText?: string;
  help: string;
  /** Also read from VARIABLE_FILE (flag `--<flag>-file`); never echoed, never passed to steps. */
  secret?: boolean;
}

function isNatsServer(value: string): boolean {
  try {
    const url = new URL(/^[a-z]+:\/\//i.test(value) ? value : `nats://${value}`);
    return ['nats:', 'tls:', 'ws:', 'wss:'].includes(url.protocol) && url.hostname.length > 0;
  } catch {
    return false;
  }
}

const queueName = /^[A-Za-z0-9_-]+$/;
const controllerAddress = /^[^\s:,]+:\d{1,5}$|^\[[0-9a-fA-F:]+\]:\d{1,5}$/;

export const agentVariables = {
  GANTRY_CONTROLLER: {
    field: 'controllerAddresses',
    flag: 'controller',
    repeatable: true,
    check: (raw) => {
      if (raw === undefined || String(raw).trim() === '') return problem('is required');
      const addresses = String(raw)
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
      if (addresses.length > 16) return problem('at most 16 controller addresses');
      const bad = addresses.filter((address) => !controllerAddress.test(address));
      if (bad.length > 0) return problem(`must be HOST:PORT, comma separated (not ${JSON.stringify(bad[0])})`);
      return valid(addresses);
    },
    defaultText: '(required)',
    help: 'controller gRPC address(es), `HOST:PORT`, comma separated (the flag may be repeated); on failure the agent moves to the next',
  },
  GANTRY_NATS_URL: {
    field: 'natsUrl',
    flag: 'nats',
    check: text({
      refine: (v) => v.split(',').every((s) => isNatsServer(s.trim())),
      message: 'must be a NATS URL like nats://host:4222',
    }),
    defaultText: '(required)',
    help: 'NATS server URL(s), comma separated',
  },
  GANTRY_NATS_USER: {
    field: 'natsUser',
    flag: 'nats-user',
    check: (raw) =>
      raw === undefined
        ? valid(undefined)
        : text({ pattern: /^[A-Za-z0-9_-]{1,64}$/, message: 'must be 1-64 of A-Z a-z 0-9 _ -' })(raw),
    defaultText: '(none)',
    help: 'NATS user of the agents (see `gantry nats-config`); needs `GANTRY_NATS_PASSWORD`',
  },
  GANTRY_NATS_PASSWORD: {
    field: 'natsPassword',
    flag: 'nats-password',
    check: (raw) => (raw === undefined ? valid(undefined) : text()(raw)),
    help: 'password of `GANTRY_NATS_USER`; prefer `GANTRY_NATS_PASSWORD_FILE` / `--nats-password-file`',
    secret: true,
  },
  GANTRY_CA: {
    field: 'caFile',
    flag: 'ca',
    check: (raw) => (raw === undefined ? valid(undefined) : text()(raw)),
    defaultText: '(system CAs)',
    help: 'PEM file of the CA certificates that sign the controller’s certificate (gRPC over TLS) and the NATS servers’ (`tls://`)',
  },
  GANTRY_AGENT_TOKEN: {
    field: 'token',
    flag: 'token',
    check: text(),
    defaultText: '(required)',
    help: 'enrolment token (one from `gantry agent-token create`, or the controller’s `GANTRY_AGENT_TOKEN`), used once: the credential it gets is kept in `WORK_DIR/credential` (0600) and reused; prefer `GANTRY_AGENT_TOKEN_FILE` / `--token-file`: a `--token` is visible in `ps`',
    secret: true,
  },
  GANTRY_AGENT_QUEUES: {
    field: 'queues',
    flag: 'queue',
    repeatable: true,
    default: 'default',
    check: (raw) => {
      const queues = String(raw)
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
      if (queues.length === 0) return problem('needs at least one queue');
      if (queues.length > 64) return problem('at most 64 queues');
      if (!queues.every((q) => queueName.test(q)))
        return problem('queue names may use only letters, digits, "_" and "-"');
      return valid(queues);
    },
    help: 'queues to take jobs from, comma separated (the flag may be repeated)',
  },
  GANTRY_AGENT_SLOTS: { field: 'slots', flag: 'slots', check: integer(1, 256), default: '1', help: 'jobs run at once' },
  GANTRY_AGENT_NAME: {
    field: 'name',
    flag: 'name',
    check: text({ pattern: /^[A-Za-z0-9._-]{1,128}$/, message: 'may use only letters, digits, ".", "_" and "-"' }),
    defaultText: '`HOSTNAME-PID`',
    help: 'name shown in the API',
  },
  GANTRY_AGENT_WORK_DIR: {
    field: 'workDir',
    flag: 'work-dir',
    check: text(),
    defaultText: '`./.gantry/agent-NAME`',
    help: 'git caches, snapshots and workspaces',
  },
  GANTRY_AGENT_RUN_AS: {
    field: 'runAs',
    flag: 'run-as',
    check: (raw) =>
      raw === undefined
        ? valid(undefined)
        : text({ pattern: /^[A-Za-z0-9._][A-Za-z0-9._-]{0,31}$/, message: 'must be a user name or uid' })(raw),
    defaultText: '(the agent’s user)',
    help: 'run steps as this unprivileged user (the agent must run as root): it owns the job’s workspace and TMPDIR, and cannot read the agent’s work dir, caches or token files',
  },
  GANTRY_AGENT_KILL_GRACE_MS: {
    field: 'killGraceMs',
    check: integer(0, 600_000),
    default: '10000',
    help: 'SIGTERM → SIGKILL grace when a job is timed out or canceled',
  },
  GANTRY_AGENT_LOG_HOLD_MS: {
    field: 'logHoldMs',
    check: integer(0, 10_000),
    default: '100',
    help: 'how long a job’s first log lines wait to travel with its finish, so a short job costs no log stream; 0 streams the live log at once',
  },
  GANTRY_ARTIFACT_MAX_BYTES: {
    field: 'artifactMaxBytes',
    check: integer(1, 10 ** 14),
    default: String(10 * 1024 ** 3),
    help: 'artifacts one job may upload, in bytes all together; past it the job fails and nothing is committed',
  },
  GANTRY_CACHE_MAX_BYTES: {
    field: 'cacheMaxBytes',
    check: integer(1, 10 ** 14),
    default: String(5 * 1024 ** 3),
    help: 'largest cache archive the agent saves, in bytes; a larger one is not saved (the job goes on)',
  },
  GANTRY_CACHE_LOCAL_MAX_BYTES: {
    field: 'cacheLocalMaxBytes',
    check: integer(0, 10 ** 14),
    default: String(10 * 1024 ** 3),
    help: 'disk kept for local copies of cache archives in `WORK_DIR/caches`, least recently used removed first (`0`: none kept)',
  },
  GANTRY_AGENT_METRICS_PORT: {
    field: 'metricsPort',
    flag: 'metrics-port',
    check: (raw) => (raw === undefined ? valid(undefined) : integer(0, 65535)(raw)),
    defaultText: '(off)',
    help: 'serve the agent’s own `/metrics` and `/healthz` on this port (`0`: any free port, logged)',
  },
  GANTRY_AGENT_METRICS_HOST: {
    field: 'metricsHost',
    flag: 'metrics-host',
    check: text({ pattern: /^[A-Za-z0-9.:[\]-]+$/, message: 'must be a host name or IP address' }),
    default: '127.0.0.1',
    help: 'interface of the metrics port',
  },
  GANTRY_LOG_LEVEL: {
    field: 'logLevel',
    check: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const),
    default: 'info',
    help: 'agent log level',
  },
} as const satisfies Record<string, AgentVariableDeclaration>;

export type AgentVariable = keyof typeof agentVariables;
