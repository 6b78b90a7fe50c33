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
import { runStep } from './shell-executor.js';
import { parentDeathGuardAvailable } from './step-command.js';

const here = new URL('.', import.meta.url).pathname;
const moduleDir = transpileToTempDir([join(here, 'shell-executor.ts'), join(here, 'step-command.ts')]);
const work = mkdtempSync(join(tmpdir(), 'gantry-parent-death-'));
// A minimal agent: runs one step through the executor, its output to stdout.
writeFileSync(
  join(moduleDir, 'agent.js'),
  `import { runStep } from './shell-executor.js';
const [command, mode] = process.argv.slice(2);
const sink = { write: (data) => process.stdout.write(data), drain: () => Promise.resolve() };
await runStep({ command, cwd: process.cwd(), env: { PATH: process.env.PATH }, sink, dieWithAgent: mode === 'guarded' });
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
  let out = '';
  try {
    out = execFileSync('ps', ['-o', 'pid=,stat=', '-g', String(pgid)]).toString();
  } catch {
    return []; // ps exits 1 when nothing matches
  }
  return out
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([pid, stat]) => pid && stat && !stat.startsWith('Z'))
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

/** Starts the mini agent and resolves once its step printed the step's process group. */
async function startAgentWithStep(mode: 'guarded' | 'unguarded') {
  const step = 'sleep 1000 & echo "pgid=$(ps -o pgid= -p $$ | tr -d " ")"; wait';
  const agent = spawn(process.execPath, [join(moduleDir, 'agent.js'), step, mode], {
    cwd: work,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  agents.push(agent);
  const exited = new Promise<void>((resolve) => agent.once('exit', () => resolve()));
  const pgid = await new Promise<number>((resolve, reject) => {
    createInterface({ input: agent.stdout }).on('line', (line) => {
      const match = /^pgid=(\d+)$/.exec(line);
      if (match) resolve(Number(match[1]));
    });
    agent.once('exit', (code, signal) => reject(new Error(`agent exited early (${code ?? signal})`)));
  });
  groups.push(pgid);
  return { agent, pgid, exited };
}

// Starting a node process takes a while on a busy machine.
describe.runIf(parentDeathGuardAvailable())('a step whose agent is killed with SIGKILL', { timeout: 30_000 }, () => {
  it('dies with its whole process group', async () => {
    const { agent, pgid, exited } = await startAgentWithStep('guarded');
    // The wrapper, the step's shell and its background sleep.
    expect(liveMembers(pgid).length).toBeGreaterThanOrEqual(3);
    agent.kill('SIGKILL');
    await exited;
    expect(await waitUntilGone(pgid)).toEqual([]);
  });

  it('survives it without the guard (what the guard prevents)', async () => {
    const { agent, pgid, exited } = await startAgentWithStep('unguarded');
    agent.kill('SIGKILL');
    await exited;
    expect(liveMembers(pgid).length).toBeGreaterThanOrEqual(2);
  });

  it('ignores a stray parent-death signal while the agent lives', async () => {
    const gate = join(work, 'gate');
    const chunks: Buffer[] = [];
    let wrapperPid = 0;
    let signalled!: () => void;
    const wrapperKnown = new Promise<void>((resolve) => {
      signalled = resolve;
    });
    const outcome = runStep({
      // In a guarded step, $PPID is the wrapper.
      command: `echo "wrapper=$PPID"; until [ -e ${gate} ]; do sleep 0.01; done; exit 4`,
      cwd: work,
      env: { PATH: process.env.PATH ?? '' },
      dieWithAgent: true,
      sink: {
        write: (data) => {
          chunks.push(data);
          const match = /wrapper=(\d+)/.exec(Buffer.concat(chunks).toString());
          if (match && !wrapperPid) {
            wrapperPid = Number(match[1]);
            signalled();
          }
          return true;
        },
        drain: () => Promise.resolve(),
      },
    });
    await wrapperKnown;
    execFileSync('kill', ['-s', 'RTMIN+3', String(wrapperPid)]);
    // Let the step end only once the wrapper has taken the signal and sleeps again (in its wait).
    expect(await waitUntilHandled(wrapperPid)).toBe(true);
    writeFileSync(gate, '');
    expect(await outcome).toMatchObject({ exitCode: 4, stopped: undefined });
  });
});
