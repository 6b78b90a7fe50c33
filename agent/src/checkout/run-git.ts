/**
 * Runs one git command without a terminal and collects its output. A non-zero
 * exit becomes a GitCommandError whose message is git's last stderr line.
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

export function runGit(
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, {
      cwd: options.cwd,
      // Never wait for credentials on a terminal nobody watches.
      env: { ...options.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: 'true', LC_ALL: 'C' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.once('error', (error) => reject(new GitCommandError(args, -1, `cannot run git: ${error.message}`)));
    child.once('close', (code) => {
      const stdout = Buffer.concat(out).toString();
      const stderr = Buffer.concat(err).toString();
      if (code === 0) resolve({ stdout, stderr });
      else reject(new GitCommandError(args, code ?? -1, stderr));
    });
  });
}

function lastLine(text: string): string {
  const lines = text.split('\n').filter((l) => l.trim().length > 0);
  return (lines[lines.length - 1] ?? '').trim();
}
