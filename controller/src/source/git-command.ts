/**
 * Runs one git command for the controller: never prompts, always bounded by a
 * timeout, English messages, and blind to repository-locating variables the
 * controller may have inherited (a hook's GIT_DIR must not redirect it).
 */
import { type GitAnswer, GitRunner } from './git-runner.js';
import { allowedGitProtocols } from './repository-allow-list.js';

export class GitProcessError extends Error {
  override readonly name = 'GitProcessError';
  readonly code = 'GIT_FAILED';
}

export interface GitOutcome {
  exitCode: number;
  stdout: string;
  stderr: string;
}

const inheritedLocators = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_INDEX_FILE',
  'GIT_OBJECT_DIRECTORY',
  'GIT_ALTERNATE_OBJECT_DIRECTORIES',
  'GIT_COMMON_DIR',
  'GIT_NAMESPACE',
];

export function gitEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    GIT_TERMINAL_PROMPT: '0',
    LC_ALL: 'C',
    // No `ext::` or `fd::` transport, whatever a repository's configuration or a URL asks for.
    GIT_ALLOW_PROTOCOL: allowedGitProtocols,
  };
  for (const name of inheritedLocators) delete env[name];
  return env;
}

const runner = new GitRunner();

/**
 * Resolves with the exit code (callers decide what a non-zero exit means);
 * rejects with GitProcessError when git cannot start or outlives `timeoutMs`.
 * git is started by the controller's helper process (git-runner.ts).
 */
export async function runGit(args: string[], options: { timeoutMs: number; stdin?: string }): Promise<GitOutcome> {
  const outcome = await runGitForBytes(args, options);
  return { ...outcome, stdout: outcome.stdout.toString('utf8') };
}

/** runGit with git's output as it wrote it, for a caller that counts its bytes. */
export async function runGitForBytes(
  args: string[],
  options: { timeoutMs: number; stdin?: string },
): Promise<{ exitCode: number; stdout: Buffer; stderr: string }> {
  let answer: GitAnswer;
  try {
    answer = await runner.run({
      args,
      env: gitEnvironment(),
      timeoutMs: options.timeoutMs,
      ...(options.stdin === undefined ? {} : { stdin: options.stdin }),
    });
  } catch (error) {
    throw new GitProcessError(`cannot run git: ${(error as Error).message}`, { cause: error });
  }
  if ('error' in answer) throw new GitProcessError(`cannot run git: ${answer.error}`);
  if (answer.code === null) {
    throw new GitProcessError(`git did not finish within ${options.timeoutMs} ms (${answer.signal})`);
  }
  const stdout = Buffer.from(answer.stdout.buffer, answer.stdout.byteOffset, answer.stdout.byteLength);
  return { exitCode: answer.code, stdout, stderr: answer.stderr };
}

/** Like runGit, but a non-zero exit rejects with the reason git gave. */
export async function runGitChecked(args: string[], options: { timeoutMs: number }): Promise<string> {
  const outcome = await runGit(args, options);
  if (outcome.exitCode !== 0) {
    throw new GitProcessError(gitReason(outcome.stderr) || `git exited with code ${outcome.exitCode}`);
  }
  return outcome.stdout;
}

/** The line of git's stderr that says what went wrong: its first `fatal:`/`error:` line, else its last line. */
export function gitReason(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  return lines.find((line) => line.startsWith('fatal:') || line.startsWith('error:')) ?? lines.at(-1) ?? '';
}
