/**
 * Baselines: the same step run directly with `bash -eo pipefail -c STEP`, its
 * output piped back and read as the agent does, minus everything Gantry adds.
 * The spawning happens in bench/direct-runner.mjs, a small plain Node process:
 * fork() cost grows with the parent's heap, and this process (Vite loader,
 * harness, clients) is bigger than an agent.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const runner = fileURLToPath(new URL('../direct-runner.mjs', import.meta.url));
const execFileAsync = promisify(execFile);

export interface DirectResult {
  samples: number[];
  totalMs?: number;
  cpuMsPerRun?: number;
  bytes?: number;
  /** CPU ms of the bash processes (and what they ran), from the runner's cutime + cstime. */
  childrenCpuMs: number;
  rssMiB: number;
}

export type DirectTask =
  | { mode: 'latency' | 'pairs' | 'sequential' | 'each'; command: string; count: number }
  | { mode: 'concurrent' | 'burst'; command: string; count: number; concurrency: number }
  | { mode: 'output' | 'output-gzip'; command: string };

export async function runDirect(task: DirectTask): Promise<DirectResult> {
  const { stdout } = await execFileAsync(process.execPath, [runner, JSON.stringify(task)], {
    maxBuffer: 16 * 1024 * 1024,
    timeout: 600_000,
  });
  return JSON.parse(stdout) as DirectResult;
}

/** Raw spawn capacity of the machine: `count` × bash -c true through xargs, `concurrency` at a time; ms. */
export async function runXargs(count: number, concurrency: number): Promise<number> {
  const start = process.hrtime.bigint();
  await execFileAsync('bash', ['-c', `seq ${count} | xargs -P ${concurrency} -I{} bash -eo pipefail -c true`]);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Parses the nanosecond wall-clock timestamps (`date +%s%N`) a step printed, in order. */
export function timestampsIn(output: string): bigint[] {
  return [...output.matchAll(/^(\d{19})$/gm)].map((match) => BigInt(match[1] as string));
}
