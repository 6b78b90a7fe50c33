/**
 * Starts and stops bench/src/sim-agents.ts as a process of its own (through
 * bench/run.mjs), so the simulated agents' CPU is theirs and not the bench's.
 */
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { type Child, startChild } from '@gantry/common';
import { type Farm, sleep } from './farm.js';

const runner = fileURLToPath(new URL('../run.mjs', import.meta.url));
const simAgents = fileURLToPath(new URL('./sim-agents.ts', import.meta.url));

export interface SimAgentsOptions {
  count: number;
  queue: string;
  /** Take jobs with this many slots each; absent: idle agents that never pull. */
  workSlots?: number;
}

export interface SimAgents {
  child: Child;
  /** The first `{"ready":true,…}` status line. */
  ready: Record<string, unknown>;
  /** The latest status line (counters of a working run). */
  latest(): Record<string, unknown>;
}

export async function startSimAgents(farm: Farm, options: SimAgentsOptions, timeoutMs = 120_000): Promise<SimAgents> {
  const args = [
    runner,
    simAgents,
    '--controller',
    farm.controller.grpcAddress,
    '--nats',
    farm.nats.url,
    '--token',
    farm.agentToken,
    '--count',
    String(options.count),
    '--queue',
    options.queue,
  ];
  if (options.workSlots !== undefined) args.push('--work', '--slots', String(options.workSlots));
  const child = startChild(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  let latest: Record<string, unknown> = {};
  try {
    const ready = await firstReadyLine(child.process, timeoutMs, (status) => {
      latest = status;
    });
    return { child, ready, latest: () => latest };
  } catch (error) {
    await child.stop().catch(() => {});
    throw error;
  }
}

function firstReadyLine(
  child: ChildProcess,
  timeoutMs: number,
  onStatus: (status: Record<string, unknown>) => void,
): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`simulated agents not ready within ${timeoutMs} ms`)), timeoutMs);
    child.once('exit', (code) => reject(new Error(`simulated agents exited with ${code} before ready`)));
    if (!child.stdout) return;
    createInterface({ input: child.stdout }).on('line', (text) => {
      try {
        const status = JSON.parse(text) as Record<string, unknown>;
        if (status.ready !== true) return;
        onStatus(status);
        clearTimeout(timer);
        resolve(status);
      } catch {
        // Not a status line.
      }
    });
  });
}

/** The simulated agents leave when their stdin closes; SIGTERM after 5 s, SIGKILL 10 s later. */
export async function stopSimAgents(sim: SimAgents): Promise<void> {
  sim.child.process.stdin?.end();
  await Promise.race([sim.child.exited, sleep(5_000)]);
  await sim.child.stop({ graceMs: 10_000 });
}
