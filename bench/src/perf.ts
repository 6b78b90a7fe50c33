/**
 * CPU breakdowns with Linux perf(1), written by --perf: where each process's
 * CPU time went during a scenario's measured window, per job. Samples carry
 * wall-clock times (CLOCK_REALTIME), so a scenario can also count only the
 * samples inside windows it timed itself (the fan-out's stage opened → last
 * job started); idle CPUs show as `swapper`, so those windows also say how
 * busy the machine was.
 *
 * --profile's V8 profiles sample wall time on the main thread: on a busy
 * 2-core machine a process that is runnable but not running still shows up
 * in whatever function it was in, and the optimizing compiler, the garbage
 * collector's helpers and libuv's thread pool (other threads) do not show at
 * all. perf samples CPU time on every thread of every process, so these
 * shares add up to the CPU figures the bench reports. The controller and the
 * agents run with `--perf-basic-prof` so that JavaScript frames have names.
 *
 * Categories, first match wins, frames searched leaf to root:
 * - "V8 compiler (JIT)": any frame of V8's compilers or parser (a function
 *   compiled lazily on first call counts here too);
 * - "garbage collector": any frame of V8's heap;
 * - a library: the innermost JavaScript frame that is not Node's own code
 *   names it (`pg`, `@grpc/grpc-js`, `gantry controller` …): its own code,
 *   and the Node and kernel work it called;
 * - "node core JS": JavaScript frames, all of them Node's own;
 * - "libuv thread pool": no JavaScript, on a thread-pool thread (file system calls);
 * - "kernel, no JS on stack": no JavaScript, leaf in the kernel (the event
 *   loop's network reads and writes, scheduling, process exit);
 * - "native": the rest (V8 and Node runtime).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** Samples per second per CPU: enough for a 10 s window, little enough to disturb it. */
const FREQUENCY_HZ = 499;

/** Why --perf cannot run here, or undefined when it can. */
export function perfUnavailable(): string | undefined {
  try {
    execFileSync('perf', ['--version'], { stdio: 'ignore' });
  } catch {
    return '--perf needs perf(1) on PATH (Debian: apt-get install linux-perf)';
  }
  return undefined;
}

/** A system-wide `perf record` with call graphs, until stop(). */
export class PerfRecording {
  private constructor(
    private readonly child: ChildProcess,
    readonly dataFile: string,
  ) {}

  static async start(dataFile: string): Promise<PerfRecording> {
    const args = ['record', '-a', '-g', '-k', 'CLOCK_REALTIME', '-F', String(FREQUENCY_HZ), '-o', dataFile, '--quiet'];
    const child = spawn('perf', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    // perf creates its data file once it has set up its ring buffers: samples are taken from then on.
    for (let waited = 0; !existsSync(dataFile); waited += 20) {
      if (child.exitCode !== null || waited > 10_000) {
        child.kill('SIGKILL');
        throw new Error(`perf record did not start: ${stderr.trim() || `exit ${child.exitCode}`}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return new PerfRecording(child, dataFile);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGINT');
    await exited;
  }
}

export interface PerfShare {
  category: string;
  msPerJob: number;
  percent: number;
}

export interface PerfRoleSummary {
  role: string;
  /** CPU ms per job as perf sampled it (compare with the /proc figure). */
  msPerJob: number;
  shares: PerfShare[];
  /** Node processes: the functions that named a library category (innermost non-core JavaScript frame), hottest first. */
  functions: PerfShare[];
}

/** A span of wall-clock time, in nanoseconds since the epoch (as `date +%s%N` prints it). */
export interface WallWindow {
  startNs: bigint;
  endNs: bigint;
}

/**
 * Reads `dataFile` with `perf script` and sums samples by role and category.
 * `roles` names processes by pid (controller, agents); other processes are
 * named by their command (postgres, nats-server, the jobs' bash, `idle` for
 * an idle CPU …). With `windows`, only the samples taken inside one of them count.
 */
export async function summarizePerf(
  dataFile: string,
  roles: ReadonlyMap<number, string>,
  jobs: number,
  windows?: readonly WallWindow[],
): Promise<PerfRoleSummary[]> {
  const script = spawn('perf', ['script', '-i', dataFile, '-F', 'comm,pid,time,ip,sym,dso'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const inWindow = (time: string) => {
    if (!windows) return true;
    const [seconds = '0', fraction = ''] = time.replace(/:$/, '').split('.');
    const ns = BigInt(seconds) * 1_000_000_000n + BigInt(fraction.padEnd(9, '0').slice(0, 9));
    return windows.some((window) => ns >= window.startNs && ns <= window.endNs);
  };
  const nodeRoles = new Set(roles.values());
  const counts = new Map<string, Map<string, number>>();
  const functionCounts = new Map<string, Map<string, number>>();
  let role: string | undefined;
  let frames: string[] = [];
  const flush = () => {
    if (role === undefined) {
      frames = []; // a sample left out (outside the windows)
      return;
    }
    const byCategory = counts.get(role) ?? new Map<string, number>();
    const { category, fn } = nodeRoles.has(role) ? nodeCategory(frames) : { category: otherCategory(frames) };
    byCategory.set(category, (byCategory.get(category) ?? 0) + 1);
    counts.set(role, byCategory);
    if (fn) {
      const byFunction = functionCounts.get(role) ?? new Map<string, number>();
      byFunction.set(fn, (byFunction.get(fn) ?? 0) + 1);
      functionCounts.set(role, byFunction);
    }
    role = undefined;
    frames = [];
  };
  const exited = once(script, 'exit');
  for await (const text of createInterface({ input: script.stdout })) {
    if (text.startsWith('\t')) {
      const frame = text.trim();
      if (frame) frames.push(frame);
    } else if (text.trim() === '') {
      flush();
    } else {
      flush();
      // "comm pid time:", comm may hold spaces.
      const fields = text.trim().split(/\s+/);
      if (!inWindow(fields.at(-1) ?? '')) continue;
      const pid = Number(fields.at(-2));
      role = roles.get(pid) ?? processName(fields.slice(0, -2).join(' '));
    }
  }
  flush();
  await exited;
  const msPerSample = 1000 / FREQUENCY_HZ;
  const summaries = [...counts].map(([name, byCategory]): PerfRoleSummary => {
    const total = [...byCategory.values()].reduce((sum, count) => sum + count, 0);
    const sharesOf = (byName: Map<string, number>) =>
      [...byName]
        .sort((a, b) => b[1] - a[1])
        .map(([category, count]) => ({
          category,
          msPerJob: round((count * msPerSample) / jobs),
          percent: round((100 * count) / total),
        }));
    return {
      role: name,
      msPerJob: round((total * msPerSample) / jobs),
      shares: sharesOf(byCategory),
      functions: sharesOf(functionCounts.get(name) ?? new Map()).slice(0, 25),
    };
  });
  return summaries.sort((a, b) => b.msPerJob - a.msPerJob);
}

/**
 * Removes what `--perf-basic-prof` made these processes write: the JIT symbol
 * maps (`/tmp/perf-PID.map`) and V8's `isolate-…-PID-v8.log` in `cwd`.
 */
export function removePerfMaps(pids: Iterable<number>, cwd = process.cwd()): void {
  const wanted = new Set([...pids].map(String));
  for (const pid of wanted) rmSync(`/tmp/perf-${pid}.map`, { force: true });
  for (const name of readdirSync(cwd)) {
    const pid = /^isolate-0x[0-9a-f]+-(\d+)-v8\.log$/.exec(name)?.[1];
    if (pid && wanted.has(pid)) rmSync(join(cwd, name), { force: true });
  }
}

/** Lines for the console: each role's CPU per job and its larger shares. */
export function formatPerf(summaries: PerfRoleSummary[], minimumPercent = 2): string {
  const lines: string[] = [];
  const shareLine = (share: PerfShare) =>
    `  ${share.msPerJob.toFixed(2).padStart(6)} ms ${share.percent.toFixed(1).padStart(5)}%  ${share.category}`;
  for (const summary of summaries) {
    if (summary.msPerJob < 0.05) continue;
    lines.push(`${summary.role}: ${summary.msPerJob.toFixed(2)} ms CPU per job (perf samples)`);
    lines.push(...summary.shares.filter((share) => share.percent >= minimumPercent).map(shareLine));
    const hottest = summary.functions.slice(0, 10);
    if (hottest.length > 0) lines.push(' hottest functions (with what they called):', ...hottest.map(shareLine));
  }
  return lines.join('\n');
}

/** Threads are named by perf (`V8 DefaultWorke`, `libuv-worker` …): name the process by its main command. */
function processName(comm: string): string {
  if (comm.startsWith('postgres') || comm.startsWith('postmaster')) return 'postgres';
  if (comm.startsWith('nats-server')) return 'nats-server';
  // The benches' steps run `true` or `date` under bash.
  if (comm === 'bash' || comm === 'true' || comm === 'date') return 'job steps (bash, true, date)';
  if (comm.startsWith('perf')) return 'perf itself';
  if (comm === 'swapper') return 'idle';
  return `other (${comm})`;
}

const compilerFrame =
  /v8::internal::(compiler::|maglev::|baseline::|Compiler::|Parser|interpreter::BytecodeGenerator)|OptimizingCompileDispatcher/;
const heapFrame =
  /v8::internal::(Heap::|Scavenger|MarkCompact|MinorMarkCompact|Sweeper|ConcurrentMarking|MemoryAllocator)/;

/** The category of one sample of a Node process, and for a library the function that named it. */
function nodeCategory(frames: string[]): { category: string; fn?: string } {
  if (frames.some((frame) => compilerFrame.test(frame))) return { category: 'V8 compiler (JIT)' };
  if (frames.some((frame) => heapFrame.test(frame))) return { category: 'garbage collector' };
  let sawJs = false;
  for (const frame of frames) {
    const js = /JS:[*~^]?(\S*)\s+(\S+?):(\d+)/.exec(frame);
    if (!js) continue;
    sawJs = true;
    const [, name, script = '', line] = js;
    const library = libraryOf(script);
    if (library) return { category: library, fn: `${name || '(anonymous)'} ${shortScript(script)}:${line}` };
  }
  if (sawJs) return { category: 'node core JS (streams, net, http2, fs)' };
  // libuv's thread-pool threads run `worker`, which calls uv__fs_work (often inlined away).
  if (frames.some((frame) => /\buv__fs_work\b|\sworker \(/.test(frame))) return { category: 'libuv thread pool' };
  if (frames[0]?.includes('[kernel')) return { category: 'kernel, no JS on stack' };
  return { category: 'native (V8 and Node runtime)' };
}

function shortScript(script: string): string {
  return script.replace(/^file:\/\//, '').replace(/^.*?\/(node_modules|controller|agent|proto|common|client)\//, '$1/');
}

function otherCategory(frames: string[]): string {
  return frames[0]?.includes('[kernel') ? 'kernel' : 'user';
}

/** `pg`, `@grpc/grpc-js`, `gantry agent` … for a script URL; undefined for Node's own (`node:…`). */
function libraryOf(script: string): string | undefined {
  if (script.startsWith('node:')) return undefined;
  const dependency = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(script)?.[1];
  if (dependency) return dependency;
  const own = /\/(controller|agent|proto|common|client)\/dist\//.exec(script)?.[1];
  return own ? `gantry ${own}` : 'other JS';
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
