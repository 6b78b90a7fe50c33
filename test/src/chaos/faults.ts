/**
 * The fault plan (drawn from the seed: which faults, in what order, at what
 * point of the workload, with what outage) and the code that injects each one.
 * A fault fires when the number of finished jobs reaches its threshold, so the
 * plan lands at the same point of the workload on a fast or a slow machine.
 */
import type { ControllerProcess, NatsServer } from '../harness/index.js';
import type { ChaosAgent, ChaosFarm } from './chaos-farm.js';
import { delay, pollUntil } from './clock.js';
import { executionKey, readEvents } from './events.js';
import type { FaultCounts } from './options.js';
import type { Oracle } from './oracle.js';
import type { Prng } from './prng.js';
import { freezeTree, killTree, thawTree } from './process-tree.js';

export type FaultKind = keyof FaultCounts;
export const faultKinds: FaultKind[] = [
  'agentCrash',
  'agentPause',
  'controllerCrash',
  'natsCrash',
  'controllerReplicaKill',
  'postgresRestart',
];

export interface PlannedFault {
  kind: FaultKind;
  /** Fires once this many jobs are terminal. */
  afterJobs: number;
  /** In [0, 1): which of the busy agents (sorted by name) is hit. */
  pick: number;
  /** Controller or nats-server downtime before the restart. */
  outageMs: number;
  /** Controller crash: kill -9 this long after sending the crash-time triggers (so some are in flight). */
  killDelayMs: number;
  /** A paused agent stays stopped at least leaseTtlMs × this (then until its attempts were re-run). */
  pauseTtls: number;
}

export interface HeldAttempt {
  jobId: string;
  attempt: number;
}

export interface FaultRecord {
  kind: FaultKind;
  afterJobs: number;
  /** Wall clock (ms) when the fault hit: the kill, the SIGSTOP. */
  at: number;
  /** Wall clock (ms) when it was over: restart done, SIGCONT sent, replacement ready. */
  until: number;
  target: string;
  /** For agent faults: the agent's id at the controller. */
  agentId?: string;
  /** Attempts the agent held when it was hit. */
  held: HeldAttempt[];
  detail: string;
}

export function planFaults(prng: Prng, counts: FaultCounts, totalJobs: number): PlannedFault[] {
  const kinds = prng.shuffle(faultKinds.flatMap((kind) => Array.from({ length: counts[kind] }, () => kind)));
  // Thresholds spread over 5–80 % of the jobs, so every fault lands while work is running.
  const thresholds = kinds.map(() => Math.floor(totalJobs * (0.05 + 0.75 * prng.next()))).sort((a, b) => a - b);
  return kinds.map((kind, i) => ({
    kind,
    afterJobs: thresholds[i] ?? 0,
    pick: prng.next(),
    outageMs: prng.int(200, 3_000),
    killDelayMs: prng.int(0, 40),
    pauseTtls: 1.25 + prng.next(),
  }));
}

export interface FaultContext {
  farm: ChaosFarm;
  oracle: Oracle;
  leaseTtlMs: number;
  /** The jobs' events file: tells which agents are inside a step right now. */
  eventsFile: string;
  /** Sends the next crash-time trigger (concurrent POSTs that retry through the outage); settles when answered. */
  sendCrashTrigger(): Promise<void>;
}

export async function injectFault(fault: PlannedFault, context: FaultContext): Promise<FaultRecord> {
  switch (fault.kind) {
    case 'agentCrash':
      return crashAgent(fault, context);
    case 'agentPause':
      return pauseAgent(fault, context);
    case 'controllerCrash': {
      const triggered = context.sendCrashTrigger();
      await delay(fault.killDelayMs);
      const at = Date.now();
      await context.farm.controller.kill9();
      await delay(fault.outageMs);
      await context.farm.controller.restart();
      await triggered;
      return {
        ...base(fault, at),
        target: 'controller',
        detail: `killed ${fault.killDelayMs} ms after a triggered burst, down ${fault.outageMs} ms`,
      };
    }
    case 'controllerReplicaKill':
      return killReplica(fault, context);
    case 'postgresRestart':
      return restartPostgres(fault, context);
    case 'natsCrash': {
      // On a cluster: one node, the others carry on (the jobs stream has a replica on each).
      const nodes = context.farm.natsNodes;
      const index = Math.floor(fault.pick * nodes.length);
      const node = nodes[index] as NatsServer;
      const at = Date.now();
      await node.kill9();
      await delay(fault.outageMs);
      await node.restart();
      const target = nodes.length > 1 ? `nats-node-${index + 1}` : 'nats-server';
      const of = nodes.length > 1 ? ` (node ${index + 1} of ${nodes.length})` : '';
      return { ...base(fault, at), target, detail: `down ${fault.outageMs} ms${of}` };
    }
  }
}

function base(fault: PlannedFault, at: number): Omit<FaultRecord, 'target' | 'detail'> {
  return { kind: fault.kind, afterJobs: fault.afterJobs, at, until: Date.now(), held: [] };
}

/**
 * A live agent in the middle of a job's step now (holding the lease, the step
 * started and not ended), chosen by `pick` among them; waits up to 30 s for
 * one, then settles for an agent holding a lease, then for any live agent.
 */
async function chooseBusyAgent(pick: number, context: FaultContext): Promise<ChaosAgent> {
  let holding: ChaosAgent[] = [];
  const midStep = await pollUntil(
    async () => {
      const held = await context.oracle.runningAttempts();
      holding = context.farm.live().filter((agent) => held.some((a) => a.agentId === agent.process.agentId));
      if (holding.length === 0) return undefined;
      const { executions } = await readEvents(context.eventsFile);
      const agents = holding.filter((agent) =>
        held.some((a) => {
          const execution = executions.get(executionKey(a.jobId, a.attempt));
          return a.agentId === agent.process.agentId && execution !== undefined && !execution.ended;
        }),
      );
      return agents.length > 0 ? agents : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 100 },
  );
  const candidates = midStep ?? (holding.length > 0 ? holding : context.farm.live());
  return candidates[Math.floor(pick * candidates.length)] as ChaosAgent;
}

function mergeHeld(...lists: HeldAttempt[][]): HeldAttempt[] {
  const byKey = new Map<string, HeldAttempt>();
  for (const held of lists.flat()) byKey.set(`${held.jobId}:${held.attempt}`, held);
  return [...byKey.values()];
}

/** kill -9 of the agent and every process it started (a host crash), then a replacement agent. */
async function crashAgent(fault: PlannedFault, context: FaultContext): Promise<FaultRecord> {
  const agent = await chooseBusyAgent(fault.pick, context);
  const agentId = agent.process.agentId;
  const before = await context.oracle.runningAttemptsOf(agentId);
  const at = Date.now();
  const pids = killTree(agent.process.pid);
  agent.crashedAt = at;
  await agent.process.kill9();
  // It may have claimed one more between the query and the kill.
  const held = mergeHeld(before, await context.oracle.runningAttemptsOf(agentId));
  const replacement = await context.farm.addAgent();
  return {
    ...base(fault, at),
    target: agent.name,
    agentId,
    held,
    detail: `killed ${pids.length} processes holding ${held.length} attempts; replaced by ${replacement.name}`,
  };
}

/**
 * SIGSTOP of the agent and its jobs for longer than the lease TTL and until
 * the attempts it held were re-run elsewhere (bounded), then SIGCONT: its
 * calls for those attempts must now be fenced.
 */
async function pauseAgent(fault: PlannedFault, context: FaultContext): Promise<FaultRecord> {
  const agent = await chooseBusyAgent(fault.pick, context);
  const agentId = agent.process.agentId;
  const before = await context.oracle.runningAttemptsOf(agentId);
  const at = Date.now();
  const pids = freezeTree(agent.process.pid);
  const held = mergeHeld(before, await context.oracle.runningAttemptsOf(agentId));
  const minimumMs = Math.round(context.leaseTtlMs * fault.pauseTtls);
  const rerun = await pollUntil(
    async () => {
      if (Date.now() - at < minimumMs) return undefined;
      const fates = await context.oracle.attemptFates(held);
      return fates.every((fate) => fate.status !== 'running' && (fate.status !== 'lost' || fate.nextStartedAt !== null))
        ? fates
        : undefined;
    },
    { timeoutMs: minimumMs + context.leaseTtlMs * 4 + 20_000, intervalMs: 100 },
  );
  thawTree(agent.process.pid);
  const pausedMs = Date.now() - at;
  const lost = rerun?.filter((fate) => fate.status === 'lost').length ?? 0;
  return {
    ...base(fault, at),
    target: agent.name,
    agentId,
    held,
    detail:
      `stopped ${pids.length} processes for ${pausedMs} ms holding ${held.length} attempts` +
      (rerun ? `, ${lost} reaped and re-run` : ', attempts not re-run before the bound'),
  };
}

/**
 * kill -9 of a controller replica other than the first (the one triggers go
 * to), while the agents that started on it run jobs; restarted after the
 * outage. Its agents must move to another replica and keep their jobs.
 */
async function killReplica(fault: PlannedFault, context: FaultContext): Promise<FaultRecord> {
  const replicas = context.farm.controllers;
  if (replicas.length < 2) throw new Error('controllerReplicaKill needs at least 2 controllers');
  const index = 1 + Math.floor(fault.pick * (replicas.length - 1));
  const replica = replicas[index] as ControllerProcess;
  const at = Date.now();
  await replica.kill9();
  await delay(fault.outageMs);
  await replica.restart();
  return {
    ...base(fault, at),
    target: `controller-${index + 1}`,
    detail: `killed replica ${index + 1} of ${replicas.length}, down ${fault.outageMs} ms`,
  };
}

/**
 * kill -9 of PostgreSQL, restarted at the same address after more than one
 * lease TTL: a lease counted by wall time would expire meanwhile; counted by
 * the database's time, none may.
 */
async function restartPostgres(fault: PlannedFault, context: FaultContext): Promise<FaultRecord> {
  const postgres = context.farm.postgres;
  if (!postgres) throw new Error('postgresRestart needs the farm to have its own PostgreSQL server');
  const outageMs = Math.round(context.leaseTtlMs * (1 + fault.pauseTtls / 2));
  const at = Date.now();
  await postgres.kill9();
  await delay(outageMs);
  await postgres.restart();
  return { ...base(fault, at), target: 'postgres', detail: `down ${outageMs} ms (lease TTL ${context.leaseTtlMs} ms)` };
}
