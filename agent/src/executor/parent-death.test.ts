/**
 * Orphans never survive the agent: a real node process runs a step through
 * the executor, the test SIGKILLs that process, and the step's whole process
 * group must go away. Without the guard the group survives (the control case),
 * which is what would let a step run on next to its retried attempt.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { transpileToTempDir } from '../testing/transpile.js';
import { runStep } from './job-shell.js';
import { parentDeathGuardAvailable } from './step-command.js';

const here = new URL('.', import.meta.url).pathname;
const moduleDir = transpileToTempDir(
  [
    'exportable-variables.ts',
    'job-shell.ts',
    'output-pipes.ts',
    'process-groups.ts',
    'shell-pool.ts',
    'slot-shell.ts',
    'step-command.ts',
    'step-markers.ts',
  ].map((file) => join(here, file)),
);
const work = mkdtempSync(join(tmpdir(), 'gantry-parent-death-'));
// A minimal agent: runs one step through the executor, its output to stdout.
writeFileSync(
  join(moduleDir, 'agent.js'),
  `import { runStep } from './job-shell.js';
import { ShellPool } from './shell-pool.js';
const [command, mode] = process.argv.slice(2);
const sink = { write: (data) => process.stdout.write(Buffer.from(data)), drain: () => Promise.resolve() };
const dieWithAgent = mode !== 'unguarded';
const pool = mode === 'pooled' ? new ShellPool({ searchPath: process.env.PATH, dieWithAgent }) : undefined;
await runStep({ command, cwd: process.cwd(), env: { PATH: process.env.PATH }, sink, dieWithAgent, pool });
`,
);
const groups: number[] = [];
const agents: ChildProcess[] = [];

afterEach(() => {
  for (const agent of agents.splice(0)) agent.kill('SIGKILL');
  for (const pgid of groups.splice(0)) {
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});
afterAll(() => {
  rmSync(moduleDir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

/** Live (non-zombie) pids of a process group. */
function liveMembers(pgid: number): number[] {
  return execFileSync('ps', ['-e', '-o', 'pid=,pgid=,stat='])
    .toString()
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, group, stat]) => Number(group) === pgid && stat && !stat.startsWith('Z'))
    .map(([pid]) => Number(pid));
}

/** Polls until the group is empty or `deadlineMs` passes; returns what is left. */
async function waitUntilGone(pgid: number, deadlineMs = 10_000): Promise<number[]> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const left = liveMembers(pgid);
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Polls until `pid` has no signal pending and sleeps (it took the signal and went back to waiting). */
async function waitUntilHandled(pid: number, deadlineMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() <= deadline) {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(status)?.[1]?.trim() ?? '';
    if (/^0+$/.test(field('SigPnd')) && /^0+$/.test(field('ShdPnd')) && field('State').startsWith('S')) return true;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return false;
}

/** Starts the mini agent and resolves once its step printed its process group and its job shell's. */
async function startAgentWithStep(mode: 'guarded' | 'pooled' | 'unguarded') {
  // The step's parent is the job shell, which leads a group of its own.
  // And one in a group of its own, as `timeout` or `set -m` make: still in the job shell's session.
  const step =
    'set -m; sleep 1000 & escaped=$!; set +m; sleep 1000 & echo "pgid=$(ps -o pgid= -p $$ | tr -d " ") shell=$PPID escaped=$escaped"; wait';
  const agent = spawn(process.execPath, [join(moduleDir, 'agent.js'), step, mode], {
    cwd: work,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  agents.push(agent);
  const exited = new Promise<void>((resolve) => agent.once('exit', () => resolve()));
  const [pgid, shell, escaped] = await new Promise<[number, number, number]>((resolve, reject) => {
    createInterface({ input: agent.stdout }).on('line', (line) => {
      const match = /^pgid=(\d+) shell=(\d+) escaped=(\d+)$/.exec(line);
      if (match) resolve([Number(match[1]), Number(match[2]), Number(match[3])]);
    });
    agent.once('exit', (code, signal) => reject(new Error(`agent exited early (${code ?? signal})`)));
  });
  groups.push(pgid, shell, escaped);
  return { agent, pgid, shell, escaped, exited };
}

// Starting a node process takes a while on a busy machine.
describe.runIf(parentDeathGuardAvailable())('a step whose agent is killed with SIGKILL', { timeout: 30_000 }, () => {
  it.each(['guarded', 'pooled'] as const)('dies with its whole process group (%s shell)', async (mode) => {
    const { agent, pgid, shell, escaped, exited } = await startAgentWithStep(mode);
    // The step's shell and its background sleep; the job shell; the sleep in a group of its own.
    expect(liveMembers(pgid).length).toBeGreaterThanOrEqual(2);
    expect(liveMembers(shell)).toEqual([shell]);
    expect(liveMembers(escaped)).toEqual([escaped]);
    agent.kill('SIGKILL');
    await exited;
    expect(await waitUntilGone(pgid)).toEqual([]);
    expect(await waitUntilGone(shell)).toEqual([]);
    expect(await waitUntilGone(escaped)).toEqual([]);
  });

  it('survives it without the guard (what the guard prevents)', async () => {
    const { agent, pgid, shell, escaped, exited } = await startAgentWithStep('unguarded');
    agent.kill('SIGKILL');
    await exited;
    expect(liveMembers(pgid).length).toBeGreaterThanOrEqual(2);
    expect(liveMembers(shell)).toEqual([shell]);
    expect(liveMembers(escaped)).toEqual([escaped]);
  });

  it('ignores a stray parent-death signal while the agent lives', async () => {
    const gate = join(work, 'gate');
    const chunks: Buffer[] = [];
    let shellPid = 0;
    let signalled!: () => void;
    const shellKnown = new Promise<void>((resolve) => {
      signalled = resolve;
    });
    const outcome = runStep({
      // A step's $PPID is its job shell.
      command: `echo "shell=$PPID"; until [ -e ${gate} ]; do sleep 0.01; done; exit 4`,
      cwd: work,
      env: { PATH: process.env.PATH ?? '' },
      dieWithAgent: true,
      sink: {
        write: (data) => {
          chunks.push(Buffer.from(data)); // valid only during the call
          const match = /shell=(\d+)/.exec(Buffer.concat(chunks).toString());
          if (match && !shellPid) {
            shellPid = Number(match[1]);
            signalled();
          }
          return true;
        },
        drain: () => Promise.resolve(),
      },
    });
    await shellKnown;
    execFileSync('kill', ['-s', 'RTMIN+3', String(shellPid)]);
    // Let the step end only once the job shell has taken the signal and sleeps again (in its wait).
    expect(await waitUntilHandled(shellPid)).toBe(true);
    writeFileSync(gate, '');
    expect(await outcome).toMatchObject({ exitCode: 4, stopped: undefined });
  });
});
