import { describe, expect, it } from 'vitest';
import { gitEnvironment } from './git-command.js';
import { type GitAnswer, GitRunner } from './git-runner.js';

const request = (args: string[], options: { stdin?: string; timeoutMs?: number } = {}) => ({
  args,
  env: gitEnvironment(),
  timeoutMs: options.timeoutMs ?? 30_000,
  ...(options.stdin === undefined ? {} : { stdin: options.stdin }),
});

function exited(answer: GitAnswer) {
  if ('error' in answer) throw new Error(`git did not start: ${answer.error}`);
  return { ...answer, stdout: Buffer.from(answer.stdout).toString('utf8') };
}

describe('GitRunner', () => {
  it("answers git's exit status, output and errors, with what it was given on stdin", async () => {
    const runner = new GitRunner();
    const hashed = exited(await runner.run(request(['hash-object', '--stdin'], { stdin: 'hello\n' })));
    expect(hashed).toMatchObject({ code: 0, stdout: 'ce013625030ba8dba906f756967f9e9ca394464a\n' });
    const refused = exited(await runner.run(request(['-C', '/', 'rev-parse', '--verify', 'no-such-ref'])));
    expect(refused.code).toBe(128);
    expect(refused.stderr).toMatch(/^fatal: /m);
  });

  it('starts git from its helper, not from the process that asks', async () => {
    const runner = new GitRunner();
    // In a `!` alias, git runs a shell whose parent is git: the fourth field of git's stat is git's parent.
    const parent = exited(await runner.run(request(['-c', 'alias.parent=!cut -d" " -f4 /proc/$PPID/stat', 'parent'])));
    expect(Number(parent.stdout.trim())).toBe(runner.pid);
    expect(runner.pid).not.toBe(process.pid);
  });

  it('kills git that outlives its timeout and says so', async () => {
    const runner = new GitRunner();
    const answer = exited(await runner.run(request(['-c', 'alias.slow=!sleep 30', 'slow'], { timeoutMs: 100 })));
    expect(answer).toMatchObject({ code: null, signal: 'SIGTERM' });
  });

  it('fails the commands of a helper that died, and starts another for the next', async () => {
    const runner = new GitRunner();
    exited(await runner.run(request(['--version'])));
    const first = runner.pid;
    const running = runner.run(request(['-c', 'alias.slow=!sleep 30', 'slow']));
    process.kill(first as number, 'SIGKILL');
    await expect(running).rejects.toThrow('the git helper exited (SIGKILL)');
    const again = exited(await runner.run(request(['--version'])));
    expect(again.stdout).toMatch(/^git version /);
    expect(runner.pid).not.toBe(first);
  });
});
