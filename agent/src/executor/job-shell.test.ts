import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { childrenOf, untilChildOf, untilEnded, untilState } from '../testing/process-polls.js';
import { exportable } from './exportable-variables.js';
import { JobShell, type OutputSink, runStep, type StepOptions } from './job-shell.js';
import { poolEnvironment, ShellPool } from './shell-pool.js';
import { framedRecord } from './slot-shell.js';
import { exportWords, jobShellCommand, jobShellVariables, parentDeathGuardAvailable } from './step-command.js';
import { type StepEnd, StepMarkerParser } from './step-markers.js';

const cwd = mkdtempSync(join(tmpdir(), 'gantry-executor-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

/** Collects output; `onText` sees the whole output so far after each write. */
function collectingSink(onText?: (text: string) => void): OutputSink & { text: () => string } {
  const chunks: Buffer[] = [];
  return {
    write(data) {
      chunks.push(Buffer.from(data)); // valid only during the call
      onText?.(Buffer.concat(chunks).toString());
      return true;
    },
    drain: () => Promise.resolve(),
    text: () => Buffer.concat(chunks).toString(),
  };
}

/** Live (non-zombie) processes of a process group. */
function liveMembers(pgid: number): number[] {
  expect(pgid).toBeGreaterThan(1);
  return execFileSync('ps', ['-e', '-o', 'pid=,pgid=,stat='])
    .toString()
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, group, stat]) => Number(group) === pgid && stat && !stat.startsWith('Z'))
    .map(([pid]) => Number(pid));
}

/** Polls until the group has no live member (SIGKILL is delivered asynchronously), for at most 10 s. */
async function untilGone(pgid: number): Promise<number[]> {
  for (let polls = 0; ; polls++) {
    const left = liveMembers(pgid);
    if (left.length === 0 || polls >= 500) return left;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// Every behaviour holds both with the parent-death guard (setpriv wrapper) and without it.
const modes = parentDeathGuardAvailable()
  ? [
      { mode: 'guarded by setpriv', dieWithAgent: true },
      { mode: 'unguarded', dieWithAgent: false },
    ]
  : [{ mode: 'unguarded', dieWithAgent: false }];

// A step runs the same in a shell of its own (a process forked for it) and in a pooled shell (a process started ahead).
const shellKinds = modes.flatMap((mode) => [
  { ...mode, shell: 'a shell of its own', pooled: false },
  { ...mode, shell: 'a pooled shell', pooled: true },
]);

describe.each(shellKinds)('runStep ($mode, $shell)', ({ dieWithAgent, pooled }) => {
  const pool = pooled ? new ShellPool({ searchPath: process.env.PATH ?? '', dieWithAgent }) : undefined;
  // As the agent does after each attempt: every step here runs in a process started ahead.
  afterEach(() => pool?.startAhead());
  afterAll(() => pool?.close());
  const shellOptions = { dieWithAgent, ...(pool ? { pool } : {}) };

  function run(command: string, extra: Partial<StepOptions> = {}) {
    const sink = collectingSink();
    return runStep({ command, cwd, env: { PATH: process.env.PATH ?? '' }, sink, ...shellOptions, ...extra }).then(
      (outcome) => ({
        ...outcome,
        output: sink.text(),
      }),
    );
  }

  it.each([
    ['true', 0],
    ['exit 3', 3],
    ['false; echo not reached', 1],
    ['false | true', 1],
    ['kill -TERM $$', 143],
    ['kill -KILL $$', 137],
    // SIGINT/SIGQUIT are not ignored (bash ignores them in background jobs; the guard undoes that).
    ['kill -INT $$; echo not reached', 130],
    ["trap 'exit 9' INT; kill -INT $$; sleep 1; echo not reached", 9],
    ['kill -TERM 0; echo not reached', 143],
  ])('%s exits with %i', async (command, exitCode) => {
    const outcome = await run(command);
    expect(outcome.exitCode).toBe(exitCode);
    expect(outcome.stopped).toBeUndefined();
    expect(outcome.output).not.toContain('not reached');
  });

  it('passes the environment and runs in the working directory', async () => {
    const outcome = await run('echo "$GREETING from $(pwd)"', {
      env: { PATH: process.env.PATH ?? '', GREETING: 'hi' },
    });
    expect(outcome.output).toBe(`hi from ${cwd}\n`);
  });

  it('creates files with umask 022 whatever umask the agent runs under', async () => {
    const previous = process.umask(0o077);
    try {
      const outcome = await run('umask');
      expect(outcome.output).toBe('0022\n');
    } finally {
      process.umask(previous);
    }
  });

  it('merges stdout and stderr in the order they were written', async () => {
    const outcome = await run('for i in 1 2 3; do echo "out $i"; echo "err $i" >&2; done');
    expect(outcome.output).toBe('out 1\nerr 1\nout 2\nerr 2\nout 3\nerr 3\n');
  });

  it('lets a step open /dev/stdout and /dev/stderr, as in a terminal', async () => {
    const command =
      'echo one > /dev/stdout; echo two > /dev/stderr; echo three | tee /dev/stderr; echo four >> /proc/self/fd/1';
    const outcome = await run(command);
    expect(`${outcome.exitCode}:${outcome.output}`).toBe('0:one\ntwo\nthree\nthree\nfour\n');
  });

  it('kills background children left behind when the step exits', async () => {
    const outcome = await run('sleep 1000 & echo "bg=$!"');
    expect(outcome.exitCode).toBe(0);
    expect(outcome.output).toMatch(/^bg=\d+\n$/);
    expect(liveMembers(outcome.pid)).toEqual([]);
  });

  it('kills what a canceled step started in a group of its own (as timeout and set -m do)', async () => {
    const controller = new AbortController();
    let escaped = 0;
    const sink = collectingSink((text) => {
      const match = /escaped=(\d+)\n/.exec(text);
      if (!match || escaped) return;
      escaped = Number(match[1]);
      controller.abort('canceled');
    });
    const command = 'set -m; sleep 1000 & echo "escaped=$!"; set +m; sleep 1000';
    const outcome = await runStep({
      command,
      cwd,
      env: { PATH: '/usr/bin:/bin' },
      sink,
      signal: controller.signal,
      ...shellOptions,
    });
    expect(outcome).toMatchObject({ stopped: 'canceled' });
    expect(await untilGone(escaped)).toEqual([]);
  });

  it('stops the whole process group on timeout', async () => {
    // The step's timeout runs on a fake clock, moved past it once the step has started both sleeps.
    // On the real one, a busy machine can take the 50 ms to start the job shell: the timeout's SIGTERM
    // then ends the shell before it started the step (pid 0), and there is no group to check.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      let started = false;
      const sink = collectingSink((text) => {
        if (started || !text.includes('started\n')) return;
        started = true;
        vi.advanceTimersByTime(50);
        // What JobShell arms from now on (the polls for the group's end) runs on the real clock.
        vi.useRealTimers();
      });
      const outcome = await runStep({
        command: 'sleep 1000 & echo started; sleep 1000; echo not reached',
        cwd,
        env: { PATH: process.env.PATH ?? '' },
        sink,
        timeoutMs: 50,
        killGraceMs: 60_000,
        ...shellOptions,
      });
      expect(outcome).toMatchObject({ stopped: 'timed_out', stoppedBy: 'timeout', exitCode: 143 });
      expect(liveMembers(outcome.pid)).toEqual([]);
      expect(sink.text()).toBe('started\n');
    } finally {
      vi.useRealTimers();
    }
  });

  it('escalates to SIGKILL after the grace period when SIGTERM is ignored', async () => {
    const cancel = new AbortController();
    const sink = collectingSink((text) => {
      if (text.includes('ready')) cancel.abort('canceled');
    });
    const outcome = await runStep({
      command: "trap '' TERM; sleep 1000 & echo ready; wait",
      cwd,
      env: { PATH: process.env.PATH ?? '' },
      sink,
      signal: cancel.signal,
      killGraceMs: 100,
      ...shellOptions,
    });
    expect(outcome).toMatchObject({ stopped: 'canceled', stoppedBy: 'signal', exitCode: 137 });
    expect(liveMembers(outcome.pid)).toEqual([]);
  });

  it('lets a step that handles SIGTERM clean up, and keeps its exit code', async () => {
    const cancel = new AbortController();
    const sink = collectingSink((text) => {
      if (text.includes('ready')) cancel.abort('canceled');
    });
    const outcome = await runStep({
      command: "trap 'echo cleaning up; exit 7' TERM; sleep 1000 & echo ready; wait",
      cwd,
      env: { PATH: process.env.PATH ?? '' },
      sink,
      signal: cancel.signal,
      killGraceMs: 3_600_000,
      ...shellOptions,
    });
    expect(outcome).toMatchObject({ stopped: 'canceled', exitCode: 7 });
    expect(sink.text()).toBe('ready\ncleaning up\n');
    expect(liveMembers(outcome.pid)).toEqual([]);
  });

  it('kills at once without grace when stopped with reason "killed"', async () => {
    const stop = new AbortController();
    const sink = collectingSink((text) => {
      if (text.includes('ready')) stop.abort('killed');
    });
    const outcome = await runStep({
      command: "trap '' TERM; echo ready; sleep 1000",
      cwd,
      env: { PATH: process.env.PATH ?? '' },
      sink,
      signal: stop.signal,
      killGraceMs: 3_600_000,
      ...shellOptions,
    });
    expect(outcome).toMatchObject({ stopped: 'killed', exitCode: 137 });
  });

  it('pauses the output while the sink is full and loses nothing', async () => {
    const kept: Buffer[] = [];
    let refusals = 0;
    const sink: OutputSink = {
      write(data) {
        kept.push(Buffer.from(data)); // valid only during the call
        refusals++;
        return false; // always full: every chunk waits for a drain
      },
      drain: () => new Promise((resolve) => setImmediate(resolve)),
    };
    const outcome = await runStep({
      command: 'seq 1 400000',
      cwd,
      env: { PATH: process.env.PATH ?? '' },
      sink,
      ...shellOptions,
    });
    expect(outcome.exitCode).toBe(0);
    const expected = Buffer.from(Array.from({ length: 400_000 }, (_, n) => `${n + 1}\n`).join(''));
    const received = Buffer.concat(kept);
    expect(received.length).toBe(expected.length);
    expect(received.equals(expected), 'the output differs from what seq printed').toBe(true);
    expect(refusals).toBeGreaterThan(1);
  });
});

describe.each(modes)('JobShell ($mode)', ({ dieWithAgent }) => {
  const env = { PATH: process.env.PATH ?? '', FROM_AGENT: 'agent' };

  it('runs the steps of a job one by one in one shell; a step’s cd and variables end with it', async () => {
    const shell = new JobShell({ cwd, env, dieWithAgent });
    const sinks = [collectingSink(), collectingSink(), collectingSink(), collectingSink()];
    const steps = [
      'cd /; export FROM_AGENT=changed; LOCAL=1; echo "one $PPID"',
      'echo "two $(pwd) $FROM_AGENT $(printenv LOCAL || echo unset) $PPID"; printf "no newline"',
      'echo three >&2; exit 4',
      'echo four',
    ];
    const outcomes = [];
    for (const [index, command] of steps.entries()) {
      outcomes.push(await shell.runStep({ command, sink: sinks[index] as OutputSink }));
    }
    await shell.close();
    expect(outcomes.map((o) => o.exitCode)).toEqual([0, 0, 4, 0]);
    expect(new Set(outcomes.map((o) => o.pid)).size).toBe(4);
    expect(sinks.map((sink) => sink.text())).toEqual([
      `one ${shell.pid}\n`,
      `two ${cwd} agent unset ${shell.pid}\nno newline`,
      'three\n',
      'four\n',
    ]);
  });

  it('gives a step /dev/null as input, so it cannot read what the agent tells the shell', async () => {
    const shell = new JobShell({ cwd, env, dieWithAgent });
    const first = collectingSink();
    const second = collectingSink();
    expect(await shell.runStep({ command: 'cat; echo "read $(wc -c)"', sink: first })).toMatchObject({ exitCode: 0 });
    expect(await shell.runStep({ command: 'echo next', sink: second })).toMatchObject({ exitCode: 0 });
    await shell.close();
    expect(first.text()).toBe('read 0\n');
    expect(second.text()).toBe('next\n');
  });

  it('waits on for a step that is stopped and continued', async () => {
    const shell = new JobShell({ cwd, env, dieWithAgent });
    const sink = collectingSink();
    // A helper keeps continuing the step until it is gone, so it never stays stopped.
    const command =
      '( while sleep 0.02; do kill -CONT $$ 2>/dev/null || exit 0; done ) & kill -STOP $$; echo resumed; exit 5';
    expect(await shell.runStep({ command, sink })).toMatchObject({ exitCode: 5 });
    await shell.close();
    expect(sink.text()).toBe('resumed\n');
  });

  it('fails the step, and kills what it started, when the job shell is killed under it', async () => {
    const shell = new JobShell({ cwd, env, dieWithAgent });
    const groupFile = join(cwd, 'orphan.pgid');
    const sink = collectingSink();
    // The step's bash leads its process group, which holds the background sleep.
    const outcome = await shell.runStep({
      command: `sleep 1000 & echo $$ > ${groupFile}; kill -KILL $PPID; wait`,
      sink,
    });
    expect(outcome.exitCode).toBe(137);
    expect(liveMembers(Number(execFileSync('cat', [groupFile]).toString()))).toEqual([]);
    // The next step fails at once with the shell's status.
    expect(await shell.runStep({ command: 'echo never', sink })).toMatchObject({ exitCode: 137 });
    await shell.close();
    expect(sink.text()).toBe('');
  });

  it('close() kills a running step at once; nothing runs after it', async () => {
    const shell = new JobShell({ cwd, env, dieWithAgent, killGraceMs: 3_600_000 });
    const started = collectingSink((text) => {
      if (text.includes('running')) void shell.close();
    });
    const outcome = await shell.runStep({ command: `echo running; trap '' TERM; sleep 1000`, sink: started });
    expect(outcome).toMatchObject({ exitCode: 137, stopped: 'killed' });
    expect(liveMembers(outcome.pid)).toEqual([]);
    await expect(shell.runStep({ command: 'echo never', sink: started })).rejects.toThrow(/closed/);
    expect(started.text()).toBe('running\n');
  });

  it('reads 137 for a step killed from outside while its shell is told to kill it (bash loses that status)', async () => {
    // A helper outside the step's group SIGKILLs the group, then sends the shell the agent's kill
    // signal: the shell's wait, interrupted by that trap after the step died, gets no status back.
    // Before the shell said so, its report read -1, which is not a status: the step hung.
    const helper = `setsid bash -c 'kill -KILL -- "-$1"; kill -USR1 "$2"' helper $$ $PPID & wait`;
    for (let round = 0; round < 8; round++) {
      const shell = new JobShell({ cwd, env, dieWithAgent });
      const sink = collectingSink();
      const outcome = await shell.runStep({ command: helper, sink });
      expect(outcome.exitCode).toBe(137);
      await shell.close();
      expect(sink.text()).toBe('');
    }
  });

  it('kill() kills at once a step that outlives a stop’s SIGTERM, without waiting for the grace', async () => {
    const shell = new JobShell({ cwd, env, dieWithAgent, killGraceMs: 3_600_000 });
    const cancel = new AbortController();
    // Canceled (SIGTERM, which the step survives), then killed during the hour of grace.
    // The step forks nothing: a child forked as the TERM arrives can miss it, and bash holds a trap
    // until its foreground child ends, so `sleep 1000` in the loop could hang the test.
    const sink = collectingSink((text) => {
      if (text.endsWith('ready\n')) cancel.abort('canceled');
      if (text.endsWith('stopping\n')) shell.kill();
    });
    const outcome = await shell.runStep({
      command: "trap 'echo stopping' TERM; echo ready; while :; do :; done",
      sink,
      signal: cancel.signal,
    });
    await shell.close();
    expect(outcome).toMatchObject({ exitCode: 137, stopped: 'canceled', stoppedBy: 'signal' });
    expect(liveMembers(outcome.pid)).toEqual([]);
  });

  it('ends at once on SIGTERM between steps and starts no step after it', { timeout: 60_000 }, async () => {
    const shell = new JobShell({ cwd, env, dieWithAgent });
    const sink = collectingSink();
    expect(await shell.runStep({ command: 'echo one', sink })).toMatchObject({ exitCode: 0 });
    const pid = shell.pid;
    process.kill(pid, 'SIGTERM');
    // Not left waiting for a next command that may never come.
    for (const deadline = Date.now() + 30_000; liveMembers(pid).length > 0; ) {
      if (Date.now() > deadline) throw new Error(`job shell ${pid} still alive after SIGTERM between steps`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await shell.runStep({ command: 'echo never', sink })).toEqual({
      exitCode: 143,
      stopped: undefined,
      stoppedBy: undefined,
      pid: 0,
    });
    await shell.close();
    expect(sink.text()).toBe('one\n');
  });
});

describe.each(modes)('JobShell from a pool ($mode)', ({ dieWithAgent }) => {
  const pool = new ShellPool({ searchPath: process.env.PATH ?? '', dieWithAgent, channelsPerShell: 3 });
  // As the agent does after each attempt: an attempt's first step runs in a process started ahead.
  afterEach(() => pool.startAhead());
  afterAll(() => pool.close());

  /** Runs one attempt's steps in a pooled shell; returns each step's output, and the shell's pid. */
  async function attempt(env: Record<string, string>, commands: string[], dir = cwd, from = pool) {
    const shell = new JobShell({ cwd: dir, env: { PATH: process.env.PATH ?? '', ...env }, dieWithAgent, pool: from });
    const outputs: string[] = [];
    // As the job runner does: the steps after the first are announced, and so started ahead.
    for (const [index, command] of commands.entries()) {
      const sink = collectingSink();
      const outcome = await shell.runStep({ command, sink, timeoutMs: 60_000, more: index < commands.length - 1 });
      outputs.push(`${outcome.exitCode}:${sink.text()}`);
    }
    const pid = shell.pid;
    await shell.close();
    return { outputs, pid };
  }

  it('runs each step in a process started ahead of it: for an attempt’s first step, and for one announced', async () => {
    const own = new ShellPool({ searchPath: process.env.PATH ?? '', dieWithAgent, channelsPerShell: 4 });
    try {
      const first = await attempt({}, ['true'], cwd, own);
      expect(childrenOf(first.pid)).toEqual([]);
      // As the agent does shortly after an attempt was reported finished: idle shells start their next first step's process.
      own.startAhead();
      const waiting = await untilChildOf(first.pid);
      const shell = new JobShell({ cwd, env: { PATH: process.env.PATH ?? '' }, dieWithAgent, pool: own });
      const pids = collectingSink();
      expect(await shell.runStep({ command: 'echo $$', sink: pids, more: true })).toMatchObject({ exitCode: 0 });
      expect(shell.pid).toBe(first.pid);
      // The step announced: its process is started once the one before it ended.
      const announced = await untilChildOf(shell.pid);
      expect(await shell.runStep({ command: 'echo $$', sink: pids })).toMatchObject({ exitCode: 0 });
      await shell.close();
      expect(pids.text()).toBe(`${waiting}\n${announced}\n`);
    } finally {
      own.close();
    }
  });

  it('runs a step started ahead as `bash -eo pipefail -c STEP` would', async () => {
    // Its shell's own state, as the step sees it (ls, not the last command, is a child of the step's bash).
    const command = [
      'printf "%s|" "$_" "$0" "$#" "$-" "$LINENO" "$BASH_EXECUTION_STRING" "$SHLVL" "$PWD"; echo',
      'declare -p OLDPWD; shopt -p; set -o; trap -p; ls /proc/$$/fd; umask',
      'false',
      'echo not reached',
    ].join('\n');
    const sink = collectingSink();
    const own = await runStep({ command, cwd, env: { PATH: process.env.PATH ?? '' }, sink, dieWithAgent });
    pool.startAhead(); // the first step too
    const pooled = await attempt({}, [command, command]);
    expect(own.exitCode).toBe(1);
    expect(sink.text()).toContain(`|${cwd}|\ndeclare -x OLDPWD\n`);
    expect(pooled.outputs).toEqual(Array(2).fill(`1:${sink.text()}`));
  });

  it('runs a step in its process started ahead that was stopped and continued while it waited, or forks one for a killed one', async () => {
    const own = new ShellPool({ searchPath: process.env.PATH ?? '', dieWithAgent, channelsPerShell: 4 });
    try {
      const first = await attempt({}, ['true'], cwd, own);
      own.startAhead();
      const paused = await untilChildOf(first.pid);
      // The shell hears of the stop before the next attempt comes (the kernel tells it as the process stops).
      process.kill(paused, 'SIGSTOP');
      await untilState(paused, (state) => state === 'T');
      process.kill(paused, 'SIGCONT');
      await untilState(paused, (state) => state !== 'T');
      const second = await attempt({}, ['echo "$$ two"; sleep 0.1; echo three'], cwd, own);
      expect(second.pid).toBe(first.pid);
      expect(second.outputs).toEqual([`0:${paused} two\nthree\n`]);
      own.startAhead();
      const killed = await untilChildOf(first.pid);
      process.kill(killed, 'SIGKILL');
      expect(await untilGone(killed)).toEqual([]);
      const third = await attempt({}, ['echo "$$ four"'], cwd, own);
      expect(third.pid).toBe(first.pid);
      expect(third.outputs).toEqual([expect.stringMatching(/^0:\d+ four\n$/)]);
      expect(third.outputs[0]).not.toContain(`${killed} four`);
    } finally {
      own.close();
    }
  });

  it('hands out the shell whose process ahead was asked for first, not the one just released', async () => {
    const own = new ShellPool({ searchPath: process.env.PATH ?? '', dieWithAgent, channelsPerShell: 4 });
    try {
      own.prewarm(2);
      const pids: number[] = [];
      for (let index = 0; index < 4; index++) {
        pids.push((await attempt({}, ['true'], cwd, own)).pid);
        own.startAhead();
      }
      // Each released shell starts its process ahead after the other's: the two take turns.
      expect(new Set(pids).size).toBe(2);
      expect(pids[2]).toBe(pids[0]);
      expect(pids[3]).toBe(pids[1]);
    } finally {
      own.close();
    }
  });

  it('ends a step’s process started ahead, unused, when its attempt ends before that step', async () => {
    const own = new ShellPool({ searchPath: process.env.PATH ?? '', dieWithAgent, channelsPerShell: 4 });
    try {
      const shell = new JobShell({ cwd, env: { PATH: process.env.PATH ?? '' }, dieWithAgent, pool: own });
      const failed = await shell.runStep({ command: 'exit 3', sink: collectingSink(), more: true });
      expect(failed.exitCode).toBe(3);
      const unused = await untilChildOf(shell.pid);
      await shell.close();
      own.startAhead();
      const next = await attempt({}, ['echo $$; echo next'], cwd, own);
      expect(next.pid).toBe(shell.pid);
      expect(next.outputs[0]).toMatch(/^0:\d+\nnext\n$/);
      expect(next.outputs[0]).not.toContain(`${unused}\n`);
      expect(await untilGone(unused)).toEqual([]);
    } finally {
      own.close();
    }
  });

  it('lets the steps of a pooled shell’s attempts open /dev/stdout and /dev/stderr', async () => {
    const own = new ShellPool({ searchPath: process.env.PATH ?? '', dieWithAgent, channelsPerShell: 2 });
    try {
      const first = await attempt({}, ['echo a > /dev/stderr', 'echo b | tee /dev/stdout'], cwd, own);
      const second = await attempt({}, ['echo c > /dev/stdout'], cwd, own);
      expect(second.pid).toBe(first.pid);
      expect([...first.outputs, ...second.outputs]).toEqual(['0:a\n', '0:b\nb\n', '0:c\n']);
    } finally {
      own.close();
    }
  });

  it('starts a used-up shell’s successor at replenish(), so that the next attempt forks nothing', async () => {
    const own = new ShellPool({ searchPath: process.env.PATH ?? '', dieWithAgent, channelsPerShell: 2 });
    try {
      own.replenish(); // not kept warm yet: nothing to keep
      expect(own.idleShells).toBe(0);
      own.prewarm(1);
      expect(own.idleShells).toBe(1);
      const first = await attempt({}, ['echo 1'], cwd, own);
      const second = await attempt({}, ['echo 2'], cwd, own);
      expect(second.pid).toBe(first.pid);
      // Used up, retired: nothing idle until the agent asks for the successor.
      expect(own.idleShells).toBe(0);
      own.replenish();
      own.replenish(); // one successor, however often asked
      expect(own.idleShells).toBe(1);
      const shell = new JobShell({ cwd, env: { PATH: process.env.PATH ?? '' }, dieWithAgent, pool: own });
      const sink = collectingSink();
      const running = shell.runStep({ command: 'echo 3', sink });
      // The attempt took the successor started ahead rather than starting one.
      expect(own.idleShells).toBe(0);
      expect((await running).exitCode).toBe(0);
      expect(shell.pid).not.toBe(first.pid);
      await shell.close();
      expect(sink.text()).toBe('3\n');
      // Given back with a channel left: still one shell, no successor wanted.
      own.replenish();
      expect(own.idleShells).toBe(1);
    } finally {
      own.close();
    }
  });

  it('gives the next attempt a live shell when the idle one died', async () => {
    const own = new ShellPool({ searchPath: process.env.PATH ?? '', dieWithAgent, channelsPerShell: 4 });
    try {
      own.prewarm(1);
      const idle = own.acquire();
      own.release(idle);
      expect(own.idleShells).toBe(1);
      process.kill(idle.pid, 'SIGKILL');
      // Its unused channels end when it dies, which Node may report before the shell's exit.
      await vi.waitFor(() => expect(idle.reusable).toBe(false), { timeout: 20_000, interval: 5 });
      const next = await attempt({}, ['echo alive'], cwd, own);
      expect(next.pid).not.toBe(idle.pid);
      expect(next.outputs).toEqual(['0:alive\n']);
    } finally {
      own.close();
    }
  });

  it('closes the pipes of the channels a shell never used once it ends', async () => {
    // The FIFOs this process has open, by name (each is unique, then " (deleted)").
    const fifosOpen = () =>
      new Set(
        readdirSync('/proc/self/fd').flatMap((fd) => {
          try {
            const target = readlinkSync(`/proc/self/fd/${fd}`);
            return target.includes('gantry-output-') ? [target] : [];
          } catch {
            return []; // closed meanwhile
          }
        }),
      );
    const before = fifosOpen();
    const own = new ShellPool({ searchPath: process.env.PATH ?? '', dieWithAgent, channelsPerShell: 8 });
    const { outputs } = await attempt({}, ['echo only one attempt'], cwd, own);
    expect(outputs).toEqual(['0:only one attempt\n']);
    const unused = [...fifosOpen()].filter((fifo) => !before.has(fifo));
    expect(unused).toHaveLength(7);
    own.close();
    await vi.waitFor(() => expect(unused.filter((fifo) => fifosOpen().has(fifo))).toEqual([]), {
      timeout: 20_000,
      interval: 20,
    });
  });

  it('gives a step no descriptor but its standard ones, on a shell’s first attempt and on a later one', async () => {
    const own = new ShellPool({ searchPath: process.env.PATH ?? '', dieWithAgent, channelsPerShell: 4 });
    try {
      // The step's bash ($$) while ls, a child of it (not the last command: bash forks it), lists its descriptors.
      const list = 'ls /proc/$$/fd; true';
      const first = await attempt({}, [list], cwd, own);
      await attempt({}, ['true'], cwd, own);
      const third = await attempt({}, [list, list], cwd, own);
      expect(third.pid).toBe(first.pid);
      expect([...first.outputs, ...third.outputs]).toEqual(Array(3).fill('0:0\n1\n2\n'));
    } finally {
      own.close();
    }
  });

  it('serves attempts one after another, each with only its own variables and directory', async () => {
    const other = mkdtempSync(join(tmpdir(), 'gantry-executor-other-'));
    const first = await attempt({ ONLY_FIRST: 'one two\nthree' }, ['printf "%s|" "$ONLY_FIRST" "$PWD"']);
    const second = await attempt(
      { ONLY_SECOND: '2' },
      ['echo "$(printenv ONLY_FIRST || echo unset) $ONLY_SECOND $PWD"'],
      other,
    );
    rmSync(other, { recursive: true, force: true });
    expect(second.pid).toBe(first.pid);
    expect(first.outputs).toEqual([`0:one two\nthree|${cwd}|`]);
    expect(second.outputs).toEqual([`0:unset 2 ${other}\n`]);
  });

  it('passes commands and variables byte for byte, however long, in any locale', async () => {
    const value = 'grüße → ✓\n\\n "q" $x `y`\n\n';
    // A long script: the shell reads each record in bulk, not byte by byte.
    const command = `printf '%s|' "$TEXT" "$LANG" 'naïve ✓'\n${'# padding to make the step long\n'.repeat(4000)}\n\n`;
    const utf8 = { TEXT: value, LANG: 'C.UTF-8', LC_ALL: 'C.UTF-8' };
    const pooled = await attempt(utf8, [command, command]);
    expect(pooled.outputs).toEqual(Array(2).fill(`0:${value}|C.UTF-8|naïve ✓|`));
    const sink = collectingSink();
    const own = await runStep({ command, cwd, env: { PATH: process.env.PATH ?? '', ...utf8 }, sink, dieWithAgent });
    expect(`${own.exitCode}:${sink.text()}`).toBe(`0:${value}|C.UTF-8|naïve ✓|`);
  });

  it('exports every character of a variable exactly, its name and the variables after it too', async () => {
    // Every code point up to 255 (bytes and two-byte UTF-8), quotes, backslashes, a three-byte one.
    const value = `${Array.from({ length: 255 }, (_, index) => String.fromCharCode(index + 1)).join('')}'\\✓`;
    const command = `printf %s "$ALL" | od -An -v -tx1 | tr -d " \\n"; printf "|%s|%s" "$AFTER" "\${#LAST}"`;
    const env = { ALL: value, AFTER: "it's", LAST: 'x'.repeat(5000) };
    const expected = `0:${Buffer.from(value).toString('hex')}|it's|5000`;
    for (const locale of ['C', 'C.UTF-8']) {
      const pooled = await attempt({ ...env, LC_ALL: locale }, [command, command]);
      expect(pooled.outputs).toEqual([expected, expected]);
    }
    const sink = collectingSink();
    const own = await runStep({ command, cwd, env: { PATH: process.env.PATH ?? '', ...env }, sink, dieWithAgent });
    expect(`${own.exitCode}:${sink.text()}`).toBe(expected);
  });

  it('gives a step exactly the environment a shell of its own would', async () => {
    const env = { PATH: process.env.PATH ?? '', HOME: '/nowhere', WITH_SPACE: ' a  b ', MULTI: 'x\ny', EMPTY: '' };
    const command = 'env -0 | sort -z | tr "\\0" "|"';
    const pooled = await attempt(env, [command]);
    const sink = collectingSink();
    const own = await runStep({ command, cwd, env, sink, dieWithAgent });
    expect(pooled.outputs).toEqual([`${own.exitCode}:${sink.text()}`]);
    expect(sink.text()).toContain('|WITH_SPACE= a  b |');
  });

  it('keeps what an attempt left behind out of the next attempt’s output', async () => {
    const files = mkdtempSync(join(cwd, 'escape-'));
    const gate = join(files, 'gate');
    const written = join(files, 'written');
    // Out of its step's process group (and session), holding the first attempt's channel.
    const ready = join(files, 'ready');
    // Each wait is bounded (~20 s), so that a failing run leaves no process behind.
    const waitFor = (file: string) => `for _ in {1..2000}; do [ -e ${file} ] && break; sleep 0.01; done`;
    const escaping = `setsid bash -c 'trap "" PIPE; touch ${ready}; ${waitFor(gate)}; echo leaked; touch ${written}' & ${waitFor(ready)}`;
    // A pool of its own: the second attempt gets the first one's shell.
    const own = new ShellPool({ searchPath: process.env.PATH ?? '', dieWithAgent, channelsPerShell: 2 });
    try {
      const first = await attempt({}, [escaping, 'echo first'], cwd, own);
      own.startAhead();
      const second = await attempt({}, [`touch ${gate}; ${waitFor(written)}; echo second`], cwd, own);
      expect(second.pid).toBe(first.pid);
      expect(first.outputs).toEqual(['0:', '0:first\n']);
      expect(second.outputs).toEqual(['0:second\n']);
    } finally {
      own.close();
    }
  });

  it('does not let a step that signals its shell fail the next attempt', async () => {
    // A pool of its own: the second attempt gets the first one's shell, whatever ran before.
    const own = new ShellPool({ searchPath: process.env.PATH ?? '', dieWithAgent, channelsPerShell: 2 });
    try {
      const first = await attempt({}, ['kill -TERM $PPID; sleep 5', 'echo not reached'], cwd, own);
      const second = await attempt({}, ['echo second'], cwd, own);
      expect(first.outputs[0]).toMatch(/^143:/);
      expect(second.pid).toBe(first.pid);
      expect(second.outputs).toEqual(['0:second\n']);
    } finally {
      own.close();
    }
  });

  it('starts a fresh shell once a shell’s channels are used up, or after it was told to stop a step', async () => {
    const pids = [];
    for (let index = 0; index < 4; index++) pids.push((await attempt({}, ['true'])).pid);
    // 3 channels per shell: the fourth attempt (at the latest) needs a new shell.
    expect(new Set(pids).size).toBeGreaterThan(1);
    const shell = new JobShell({ cwd, env: { PATH: process.env.PATH ?? '' }, dieWithAgent, pool });
    const stopped = await shell.runStep({ command: 'sleep 1000', sink: collectingSink(), timeoutMs: 1 });
    expect(stopped).toMatchObject({ stopped: 'timed_out' });
    const stoppedPid = shell.pid;
    await shell.close();
    expect((await attempt({}, ['true'])).pid).not.toBe(stoppedPid);
  });

  it('exports its pool’s locale to the steps: an attempt sees exactly its own variables, whatever the pool has', async () => {
    const locale = poolEnvironment({ LANG: 'C.UTF-8', LC_TIME: 'C', LC_ALL: 'C.UTF-8', TZ: 'UTC', HOME: '/h' });
    expect(locale).toEqual({ LANG: 'C.UTF-8', LC_TIME: 'C', TZ: 'UTC' });
    const own = new ShellPool({ searchPath: process.env.PATH ?? '', dieWithAgent, environment: locale });
    try {
      const command = 'env -0 | sort -z | tr "\\0" "|"';
      const expected = async (env: Record<string, string>) => {
        const sink = collectingSink();
        const alone = await runStep({
          command,
          cwd,
          env: { PATH: process.env.PATH ?? '', ...env },
          sink,
          dieWithAgent,
        });
        return `${alone.exitCode}:${sink.text()}`;
      };
      const same = { ...locale, ONE: '1' };
      const other = { ...locale, LANG: 'C', LC_ALL: 'C.UTF-8' };
      const first = await attempt(same, [command, command], cwd, own);
      const second = await attempt(other, [command], cwd, own);
      expect(first.outputs).toEqual(Array(2).fill(await expected(same)));
      expect(second.outputs).toEqual([await expected(other)]);
      expect(second.pid).toBe(first.pid);
      // Without the pool's TZ it would see one: it gets a shell of its own instead.
      const lacking = { LANG: 'C.UTF-8', LC_TIME: 'C' };
      const third = await attempt(lacking, [command], cwd, own);
      expect(third.outputs).toEqual([await expected(lacking)]);
      expect(third.pid).not.toBe(first.pid);
    } finally {
      own.close();
    }
  });

  it('runs its own command, and sees its own values, when a job variable has the name of one of the shell’s', async () => {
    const mine = Object.fromEntries(jobShellVariables.map((name) => [name, `my ${name}`]));
    const command = `printf '%s|' ${jobShellVariables.map((name) => `"$${name}"`).join(' ')}; env | grep -c gantry-step-end || true`;
    const expected = `0:${jobShellVariables.map((name) => `my ${name}|`).join('')}0\n`;
    const pooled = await attempt(mine, [command]);
    expect(pooled.outputs).toEqual([expected]);
    // A shell of its own (SHLVL is bash's): started with these in its environment.
    const sink = collectingSink();
    const env = { PATH: process.env.PATH ?? '', SHLVL: '4', ...mine };
    const own = await runStep({ command, cwd, env, sink, dieWithAgent });
    expect(`${own.exitCode}:${sink.text()}`).toBe(expected);
  });

  it('gives an attempt that sets one of bash’s own variables a shell of its own, with them as given', async () => {
    const pooled = await attempt({}, ['true']);
    const own = await attempt({ SHELLOPTS: 'braceexpand:hashall:interactive-comments:xtrace' }, ['true']);
    expect(own.pid).not.toBe(pooled.pid);
    // The step's bash took the xtrace option from its environment.
    expect(own.outputs).toEqual(['0:+ true\n']);
  });
});

describe('exportable', () => {
  it.each([
    ['PATH', true],
    ['MY_VAR1', true],
    ['_private', true],
    ['SHELLOPTS', false],
    ['BASH_ENV', false],
    ['UID', false],
    ['IFS', false],
    ['1ABC', false],
    ['WITH-DASH', false],
    ['_', false],
  ])('%s → %s', (name, expected) => {
    expect(exportable(name)).toBe(expected);
  });
});

describe('exportWords', () => {
  it('makes bash words in ASCII of the variables, whatever their bytes', () => {
    expect(exportWords(["A=it's", 'B=\\ ✓\n', 'C='])).toBe("$'A=it\\x27s' $'B=\\x5c \\xe2\\x9c\\x93\\x0a' $'C='");
    expect(exportWords([])).toBe('');
  });
});

describe('a pooled job shell, on its own protocol', () => {
  it('forks the step when its bash started ahead kept another channel than the attempt’s', async () => {
    // The agent uses a shell's channels in order; here the first attempt takes the second channel (fd 5),
    // while the bash started with the shell kept the first (fd 4) for it.
    const { file, args } = jobShellCommand(false, 2, true);
    const shell = spawn(file, args, {
      cwd,
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe', 'pipe'],
    });
    try {
      const records = shell.stdio[3] as Writable;
      const channel = (shell.stdio as unknown as Readable[])[5] as Readable;
      const waiting = await untilChildOf(shell.pid ?? 0);
      const marker = '\x1egantry-step-end:test:';
      let output = '';
      const ended = new Promise<StepEnd>((resolve) => {
        const parser = new StepMarkerParser(marker, {
          output: (data) => {
            output += data.toString();
          },
          stepEnd: resolve,
        });
        channel.on('data', (data: Buffer) => parser.push(data));
      });
      records.write(framedRecord('attempt', ['5', marker, cwd, exportWords(['STEP_VAR=set'])]));
      records.write(framedRecord('step', ['echo "$$ $STEP_VAR"', '']));
      const end = await ended;
      const [pid, variable] = output.trim().split(' ');
      expect(variable).toBe('set');
      expect(end.exitCode).toBe(0);
      expect(Number(pid)).not.toBe(waiting);
      await untilEnded(waiting);
    } finally {
      shell.kill('SIGKILL');
    }
  });
});
