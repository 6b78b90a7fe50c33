/**
 * Starts the controller's git commands from a small helper process instead of
 * the controller itself.
 *
 * Node starts a process by forking the one that asks: the kernel copies the
 * page tables of all the controller's memory, and the controller's one thread
 * waits for that and for the child's exec. At the ceiling bench, with a git
 * command per trigger, that was about 9 % of the controller's busy time; with
 * PGlite's memory in the process it is longer still. The helper is a Node
 * process that holds nothing else: its forks are cheap and happen on its own
 * thread, while the controller's goes on serving.
 *
 * Protocol (Node's IPC channel): a request `{ id, args, env, stdin?,
 * timeoutMs }` starts `git args` with exactly `env`; the answer is `{ id,
 * code, signal, stdout, stderr }` once git exited and its output ended, or
 * as soon as it was killed (code null: by the timeout or from outside; a
 * process git started may hold its output longer), or `{ id, error }` when
 * it could not start. The
 * helper exits when the controller does (its channel closes). Should it die,
 * the commands it was running fail with GitProcessError and the next command
 * starts a new one.
 */
import { type ChildProcess, spawn } from 'node:child_process';

export interface GitRequest {
  args: string[];
  env: NodeJS.ProcessEnv;
  stdin?: string;
  timeoutMs: number;
}

export type GitAnswer =
  /** `stdout` as git wrote it (bytes: a caller may need to count them); `stderr` as text. */
  { code: number | null; signal: string | null; stdout: Uint8Array; stderr: string } | { error: string };

type Reply = GitAnswer & { id: number };

// CommonJS, run with `node -e`: the same text whether the controller runs from its sources or its build.
const helperScript = `const { spawn } = require('node:child_process');
process.on('disconnect', () => process.exit(0));
process.on('message', ({ id, args, env, stdin, timeoutMs }) => {
  let answered = false;
  const answer = (reply) => {
    if (answered) return;
    answered = true;
    if (process.connected) process.send({ id, ...reply });
  };
  let child;
  try {
    child = spawn('git', args, { env, stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], timeout: timeoutMs });
  } catch (error) {
    answer({ error: String(error && error.message) });
    return;
  }
  const out = [];
  const err = [];
  child.stdout.on('data', (chunk) => out.push(chunk));
  child.stderr.on('data', (chunk) => err.push(chunk));
  const exited = (code, signal) =>
    answer({ code, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString('utf8') });
  child.once('error', (error) => answer({ error: String(error && error.message) }));
  // Killed (its timeout): answered at once, not when whatever it started lets go of its output as well.
  child.once('exit', (code, signal) => code === null && exited(code, signal));
  child.once('close', exited);
  if (stdin !== undefined) {
    child.stdin.on('error', () => {});
    child.stdin.end(stdin);
  }
});`;

interface Pending {
  resolve: (answer: GitAnswer) => void;
  reject: (error: Error) => void;
}

/** One helper per controller process, started at the first command. */
export class GitRunner {
  #child: ChildProcess | undefined;
  readonly #pending = new Map<number, Pending>();
  #nextId = 0;

  /** Rejects (with the reason) only when the helper cannot be reached or died; git's own failures are answers. */
  run(request: GitRequest): Promise<GitAnswer> {
    const child = this.#child ?? this.#start();
    const id = ++this.#nextId;
    return new Promise<GitAnswer>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      // While a command runs the channel keeps the controller alive, as git's own pipes did.
      child.channel?.ref();
      child.send({ id, ...request }, (error) => {
        if (error) this.#settle(id, new Error(`the git helper did not take the command: ${error.message}`));
      });
    });
  }

  /** The helper's pid while one runs (tests). */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  #start(): ChildProcess {
    // The controller's own preloads (profilers, loaders) are not the helper's.
    const { NODE_OPTIONS: _controllersPreloads, ...env } = process.env;
    const child = spawn(process.execPath, ['-e', helperScript], {
      env,
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    child.on('message', (reply: Reply) => this.#settle(reply.id, reply));
    child.once('exit', (code, signal) => {
      if (this.#child === child) this.#child = undefined;
      const why = new Error(`the git helper exited (${signal ?? `status ${code}`})`);
      for (const id of [...this.#pending.keys()]) this.#settle(id, why);
    });
    child.on('error', (error) => {
      // A helper that could not start or was lost: 'exit' follows when it had started; when not, fail what waits.
      if (child.pid === undefined) {
        if (this.#child === child) this.#child = undefined;
        for (const id of [...this.#pending.keys()])
          this.#settle(id, new Error(`cannot start the git helper: ${error.message}`));
      }
    });
    child.unref();
    child.channel?.unref();
    this.#child = child;
    return child;
  }

  #settle(id: number, outcome: GitAnswer | Error): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    if (this.#pending.size === 0) this.#child?.channel?.unref();
    if (outcome instanceof Error) pending.reject(outcome);
    else pending.resolve(outcome);
  }
}
