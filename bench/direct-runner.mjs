// The bench's baselines: runs a step directly with `bash -eo pipefail -c STEP` from a small,
// plain Node process (no Vite loader, no harness, no farm client in its heap: fork() of a big
// process is slower, which would flatter Gantry). Usage: node bench/direct-runner.mjs '<json>'
// where json = { mode, command, count, concurrency? }; prints one JSON line with the result.
//   latency     count sequential runs; ms from spawn() to the `date +%s%N` the step prints
//   pairs       count pairs of runs back to back; ms from the first's timestamp to the second's
//   sequential  count sequential runs; total ms spawn → close
//   each        count sequential runs; ms spawn → close of each
//   concurrent  count runs, `concurrency` in flight; total ms
//   burst       count rounds of `concurrency` runs spawned at once; per round, ms from the
//               first spawn() to the latest `date +%s%N` the runs print
//   output      one run whose output is read and counted; ms spawn → close, bytes
//   output-gzip the same, its output also cut into chunks and each compressed by the agent's own
//               code (agent/dist/logs: ChunkCutter, compressChunk; 1 MiB chunks, gzip on the
//               thread pool); ms spawn → the last chunk compressed
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { compressChunk } from '../agent/dist/logs/chunk-compression.js';
import { ChunkCutter } from '../agent/dist/logs/chunk-cutter.js';
import { calibrateClock, msBetween, wallNs } from './wall-clock.mjs';

const ms = msBetween;

function run(command, keep, onOutput) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let bytes = 0;
    const spawnNs = wallNs();
    const child = spawn('bash', ['-eo', 'pipefail', '-c', command], { stdio: ['ignore', 'pipe', 'pipe'] });
    const onData = (data) => {
      bytes += data.length;
      if (keep) chunks.push(data);
      onOutput?.(data);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) reject(new Error(`bash -c ${JSON.stringify(command)} exited ${code}`));
      else resolve({ spawnNs, closeNs: wallNs(), bytes, output: Buffer.concat(chunks).toString('utf8') });
    });
  });
}

function stamp(output) {
  const match = /^(\d{19})$/m.exec(output);
  if (!match) throw new Error(`no timestamp in ${JSON.stringify(output)}`);
  return BigInt(match[1]);
}

/** CPU ms of this process's reaped children so far (cutime + cstime of /proc/self/stat). */
const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
function childrenCpuMs() {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / ticks;
}

/** The agent's own cutting and compressing of a log (its ChunkCutter, 1 MiB chunks, and compressChunk). */
function agentCompressor() {
  const compressing = [];
  const cutter = new ChunkCutter({
    maxChunkBytes: 1024 * 1024,
    flushDelayMs: 20,
    onChunk: (chunk) => compressing.push(compressChunk(chunk)),
  });
  return {
    write: (data) => cutter.write(data, 0),
    async end() {
      cutter.flush();
      await Promise.all(compressing);
    },
  };
}

const task = JSON.parse(process.argv[2] ?? '{}');
calibrateClock();
const result = { mode: task.mode, samples: [] };
const childrenBefore = childrenCpuMs();
if (task.mode === 'latency') {
  for (let i = 0; i < task.count; i++) {
    const r = await run(task.command, true);
    result.samples.push(ms(r.spawnNs, stamp(r.output)));
  }
} else if (task.mode === 'pairs') {
  for (let i = 0; i < task.count; i++) {
    const a = await run(task.command, true);
    const b = await run(task.command, true);
    result.samples.push(ms(stamp(a.output), stamp(b.output)));
  }
} else if (task.mode === 'sequential') {
  const start = wallNs();
  for (let i = 0; i < task.count; i++) await run(task.command, false);
  result.totalMs = ms(start, wallNs());
} else if (task.mode === 'each') {
  for (let i = 0; i < task.count; i++) {
    const r = await run(task.command, false);
    result.samples.push(ms(r.spawnNs, r.closeNs));
  }
} else if (task.mode === 'concurrent') {
  const start = wallNs();
  const cpuBefore = process.cpuUsage();
  let next = 0;
  const worker = async () => {
    while (next < task.count) {
      next++;
      await run(task.command, false);
    }
  };
  await Promise.all(Array.from({ length: task.concurrency }, worker));
  result.totalMs = ms(start, wallNs());
  const cpu = process.cpuUsage(cpuBefore);
  result.cpuMsPerRun = (cpu.user + cpu.system) / 1000 / task.count;
} else if (task.mode === 'burst') {
  for (let i = 0; i < task.count; i++) {
    const startNs = wallNs();
    const runs = await Promise.all(Array.from({ length: task.concurrency }, () => run(task.command, true)));
    const stamps = runs.map((r) => stamp(r.output)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const last = stamps[stamps.length - 1];
    result.samples.push(ms(startNs, last));
  }
} else if (task.mode === 'output') {
  const r = await run(task.command, false);
  result.totalMs = ms(r.spawnNs, r.closeNs);
  result.bytes = r.bytes;
} else if (task.mode === 'output-gzip') {
  const compressor = agentCompressor();
  const r = await run(task.command, false, compressor.write);
  await compressor.end();
  result.totalMs = ms(r.spawnNs, wallNs());
  result.bytes = r.bytes;
} else {
  throw new Error(`unknown mode ${task.mode}`);
}
result.childrenCpuMs = childrenCpuMs() - childrenBefore;
result.rssMiB = process.memoryUsage().rss / 2 ** 20;
process.stdout.write(`${JSON.stringify(result)}\n`);
