/**
 * Runs one git command without a terminal and collects its output. A non-zero
 * exit becomes a GitCommandError whose message is git's last stderr line; so
 * does a command killed because it outlived `timeoutMs` or because `signal`
 * aborted (the job was canceled or timed out), with a message saying which.
 */
import { spawn } from 'node:child_process';

export class GitCommandError extends Error {
  override name = 'GitCommandError';
  readonly code = 'GIT_FAILED';
  readonly args: string[];
  readonly exitCode: number;
  readonly stderr: string;

  constructor(args: string[], exitCode: number, stderr: string) {
    super(lastLine(stderr) || `git ${args[0] ?? ''} exited with code ${exitCode}`);
    this.args = args;
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

export interface GitResult {
  stdout: string;
  stderr: string;
}

/** Bound of one git command unless the caller gives one: a clone of a big repository fits. */
export const defaultGitTimeoutMs = 10 * 60_000;

export interface GitRunOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Kill git (SIGKILL) after this long; default 10 minutes. */
  timeoutMs?: number;
  /** Kill git as soon as this aborts. */
  signal?: AbortSignal;
}

export function runGit(args: string[], options: GitRunOptions = {}): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new GitCommandError(args, -1, `git ${args.find(isSubcommand) ?? ''} not started: the job was stopped`));
      return;
    }
    const child = spawn('git', args, {
      cwd: options.cwd,
      // Never wait for credentials on a terminal nobody watches.
      env: { ...options.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: 'true', LC_ALL: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    let killedBecause: string | undefined;
    // The whole group: a transport git started (ssh, a remote helper) would
    // otherwise outlive it and hold its output pipes open.
    const kill = (why: string) => {
      killedBecause ??= why;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    const timeoutMs = options.timeoutMs ?? defaultGitTimeoutMs;
    const timer = setTimeout(() => kill(`did not finish within ${timeoutMs} ms`), timeoutMs);
    const onAbort = () => kill('was stopped: the job was canceled or timed out');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.once('error', (error) => reject(new GitCommandError(args, -1, `cannot run git: ${error.message}`)));
    child.once('close', (code) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      const stdout = Buffer.concat(out).toString();
      const stderr = Buffer.concat(err).toString();
      if (killedBecause !== undefined) {
        reject(new GitCommandError(args, -1, `git ${args.find(isSubcommand) ?? ''} ${killedBecause}`));
      } else if (code === 0) resolve({ stdout, stderr });
      else reject(new GitCommandError(args, code ?? -1, stderr));
    });
  });
}

/** The git subcommand among `args` (after `-C DIR`, `-c NAME=VALUE` and other options). */
function isSubcommand(arg: string, index: number, args: string[]): boolean {
  return !arg.startsWith('-') && args[index - 1] !== '-C' && args[index - 1] !== '-c';
}

function lastLine(text: string): string {
  const lines = text.split('\n').filter((l) => l.trim().length > 0);
  return (lines[lines.length - 1] ?? '').trim();
}
