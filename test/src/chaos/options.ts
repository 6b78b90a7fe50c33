/**
 * What one chaos run does: its seed, the size of the workload and farm, and
 * how many faults of each kind it injects. `chaosOptionsFromEnv` reads the
 * CHAOS_* variables that `npm run chaos -- --seed N …` (test/chaos/cli.mjs) sets.
 */
import { randomSeed } from './prng.js';

export interface FaultCounts {
  /** kill -9 of an agent and everything it started, mid-job; a replacement agent starts. */
  agentCrash: number;
  /** SIGSTOP of an agent and its jobs past the lease TTL, then SIGCONT: a zombie. */
  agentPause: number;
  /** kill -9 of the controller, restart after a short outage. */
  controllerCrash: number;
  /** kill -9 of nats-server (of one node, on a cluster), restart after a short outage. */
  natsCrash: number;
  /** kill -9 of a controller replica other than the first (needs 2+ controllers), restart after a short outage. */
  controllerReplicaKill: number;
  /** kill -9 of PostgreSQL (the farm's own server), restart at the same address after more than a lease TTL. */
  postgresRestart: number;
}

export interface ChaosOptions {
  seed: number;
  /** At least this many jobs (whole runs are added until it is reached). */
  jobs: number;
  agents: number;
  slotsPerAgent: number;
  /** Controller replicas on the one database; agents know all of them, each starting with a different one. */
  controllers: number;
  /** nats-server processes: 1, or a cluster of 3–5 (routes on loopback, the jobs stream with as many replicas). */
  natsNodes: number;
  /** Git repositories the runs are spread over. */
  repos: number;
  /** Runs triggered but not yet terminal at any time (keeps spare slots, so a lost job can run again at once). */
  maxRunsInFlight: number;
  /** Share of triggers sent 2–4 times concurrently with one Idempotency-Key. */
  duplicateShare: number;
  faults: FaultCounts;
  leaseTtlMs: number;
  heartbeatIntervalMs: number;
  reconnectGraceMs: number;
  /** Bound on the whole run (workload, faults and the wait for terminal runs). */
  deadlineMs: number;
  /** Keep the work dir (farm logs, events file) even when the run passes. */
  keep: boolean;
}

/**
 * Fault counts scaled to the workload: 300 jobs → 4 agent crashes, 3 pauses, 2 controller and 2 nats
 * crashes, 1 Postgres restart, and with 2+ controllers 2 replica kills.
 */
export function defaultFaults(jobs: number, controllers = 1): FaultCounts {
  return {
    agentCrash: Math.max(1, Math.round(jobs / 75)),
    agentPause: Math.max(1, Math.round(jobs / 100)),
    controllerCrash: Math.max(1, Math.round(jobs / 150)),
    natsCrash: Math.max(1, Math.round(jobs / 150)),
    controllerReplicaKill: controllers >= 2 ? Math.max(1, Math.round(jobs / 150)) : 0,
    postgresRestart: Math.max(1, Math.round(jobs / 300)),
  };
}

/** No faults at all: the workload alone, as a baseline. */
export const noFaults: FaultCounts = {
  agentCrash: 0,
  agentPause: 0,
  controllerCrash: 0,
  natsCrash: 0,
  controllerReplicaKill: 0,
  postgresRestart: 0,
};

export function chaosOptions(overrides: Partial<ChaosOptions> & { seed: number; jobs: number }): ChaosOptions {
  const agents = overrides.agents ?? 4;
  const slotsPerAgent = overrides.slotsPerAgent ?? 2;
  const controllers = overrides.controllers ?? 1;
  const options: ChaosOptions = {
    agents,
    slotsPerAgent,
    controllers,
    natsNodes: 1,
    repos: 3,
    maxRunsInFlight: Math.max(2, Math.round((agents * slotsPerAgent) / 2.5)),
    duplicateShare: 0.2,
    faults: defaultFaults(overrides.jobs, controllers),
    leaseTtlMs: 4_000,
    heartbeatIntervalMs: 1_000,
    reconnectGraceMs: 1_000,
    deadlineMs: Math.max(120_000, overrides.jobs * 3_000),
    keep: false,
    ...overrides,
  };
  if (options.natsNodes !== 1 && (options.natsNodes < 3 || options.natsNodes > 5)) {
    throw new ChaosOptionError(`natsNodes ${options.natsNodes}: 1, or a cluster of 3 to 5`);
  }
  if (options.faults.controllerReplicaKill > 0 && options.controllers < 2) {
    throw new ChaosOptionError('controllerReplicaKill faults need at least 2 controllers');
  }
  return options;
}

export class ChaosOptionError extends Error {
  override readonly name = 'ChaosOptionError';
  readonly code = 'CHAOS_OPTION_INVALID';
}

/**
 * CHAOS_SEED, CHAOS_JOBS (default 300), CHAOS_AGENTS (4), CHAOS_SLOTS (2), CHAOS_CONTROLLERS (1),
 * CHAOS_NATS_CLUSTER (1: one nats-server; 3–5: a cluster); a
 * missing seed is drawn at random. CHAOS_NO_FAULTS=1: the workload alone (a
 * baseline); CHAOS_KEEP=1: keep the work dir with the farm logs.
 */
export function chaosOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): ChaosOptions {
  const int = (name: string, fallback: number, min: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) {
      throw new ChaosOptionError(`${name}=${JSON.stringify(raw)}: must be an integer ≥ ${min}`);
    }
    return value;
  };
  const jobs = int('CHAOS_JOBS', 300, 1);
  const controllers = int('CHAOS_CONTROLLERS', 1, 1);
  return chaosOptions({
    seed: int('CHAOS_SEED', randomSeed(), 0),
    jobs,
    agents: int('CHAOS_AGENTS', 4, 2),
    slotsPerAgent: int('CHAOS_SLOTS', 2, 1),
    controllers,
    natsNodes: int('CHAOS_NATS_CLUSTER', 1, 1),
    faults: env.CHAOS_NO_FAULTS === '1' ? noFaults : defaultFaults(jobs, controllers),
    keep: env.CHAOS_KEEP === '1',
  });
}
