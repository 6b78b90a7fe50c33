/**
 * Where a farm's CPU went, by part, from /proc readings taken before and
 * after a stretch of work: the controller's main thread and its other threads
 * (V8's optimizing compiler and garbage collector, libuv's pool; PGlite runs
 * on the main thread), the git processes it started (resolving each trigger's
 * ref), the agents' own processes, the job shells and steps under them,
 * PostgreSQL (every backend; NaN when its postmaster was not found),
 * nats-server, and this bench process.
 * On a machine shared by all of them, the sum per run bounds how fast runs
 * can go: two cores give at most 2 ms of CPU per millisecond.
 */
import type { Farm } from './farm.js';
import { cpuTimes, cpuWithDescendants, treeCpuMs } from './proc.js';

const parts = [
  'controller_main_thread',
  'controller_other_threads',
  'controller_children',
  'agents',
  'steps',
  'postgres',
  'nats',
  'bench',
] as const;

export type FarmCpuReading = Record<(typeof parts)[number], number>;

/** `postmaster`: null for a farm on PGlite (inside the controller). */
export function readFarmCpu(farm: Farm, postmaster: number | null | undefined): FarmCpuReading {
  const controller = cpuWithDescendants(farm.controller.pid);
  // The main thread's id is the process's (its other threads: V8's compiler and GC, libuv's pool).
  const controllerMain = cpuTimes(farm.controller.pid, farm.controller.pid).selfMs;
  const agentsSelf = farm.agents.reduce((sum, agent) => sum + cpuTimes(agent.pid).selfMs, 0);
  const agentsTree = farm.agents.reduce((sum, agent) => sum + treeCpuMs(agent.pid), 0);
  const bench = process.cpuUsage();
  return {
    controller_main_thread: controllerMain,
    controller_other_threads: controller.selfMs - controllerMain,
    controller_children: controller.childrenMs,
    agents: agentsSelf,
    steps: agentsTree - agentsSelf,
    postgres: postmaster === null ? 0 : postmaster === undefined ? Number.NaN : treeCpuMs(postmaster),
    nats: cpuTimes(farm.nats.pid).selfMs,
    bench: (bench.user + bench.system) / 1000,
  };
}

/** CPU ms per run of each part between two readings, and their total. */
export function cpuPerRun(
  before: FarmCpuReading,
  after: FarmCpuReading,
  runs: number,
): Array<{ part: string; msPerRun: number }> {
  const shares = parts.map((part) => ({ part, msPerRun: (after[part] - before[part]) / runs }));
  return [...shares, { part: 'total', msPerRun: shares.reduce((sum, share) => sum + share.msPerRun, 0) }];
}
