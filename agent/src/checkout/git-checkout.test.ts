import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckoutError, GitCheckout } from './git-checkout.js';

const root = mkdtempSync(join(tmpdir(), 'gantry-checkout-'));
const origin = join(root, 'origin');
const env = {
  PATH: process.env.PATH ?? '',
  HOME: root,
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
};

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env }).toString().trim();
}

/** Commits `content` to file.txt on the current branch and returns the sha. */
function commit(content: string): string {
  writeFileSync(join(origin, 'file.txt'), content);
  git(origin, 'add', 'file.txt');
  git(origin, 'commit', '-q', '-m', content);
  return git(origin, 'rev-parse', 'HEAD');
}

function newCheckout(workDir: string) {
  const commands: string[][] = [];
  const checkout = new GitCheckout({ workDir, env, onGitCommand: (args) => commands.push(args) });
  const bareClones = () => commands.filter((args) => args[0] === 'clone' && args.includes('--bare')).length;
  return { checkout, commands, bareClones };
}

beforeAll(() => {
  mkdirSync(origin);
  git(origin, 'init', '-q', '-b', 'main');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('GitCheckout', () => {
  it('checks out the exact commit and reuses the repository cache', async () => {
    const first = commit('one');
    const second = commit('two');
    const workDir = join(root, 'agent-a');
    const { checkout, bareClones } = newCheckout(workDir);

    const ws1 = join(workDir, 'workspaces', 'job1-1');
    await checkout.checkout({ repoUrl: origin, sha: first, workspace: ws1 });
    expect(readFileSync(join(ws1, 'file.txt'), 'utf8')).toBe('one');
    expect(git(ws1, 'rev-parse', 'HEAD')).toBe(first);

    const cache = checkout.cachePath(origin);
    const cacheInode = statSync(cache).ino;
    const ws2 = join(workDir, 'workspaces', 'job2-1');
    await checkout.checkout({ repoUrl: origin, sha: second, workspace: ws2 });
    expect(readFileSync(join(ws2, 'file.txt'), 'utf8')).toBe('two');
    expect(bareClones()).toBe(1);
    expect(statSync(cache).ino).toBe(cacheInode);
  });

  it('fetches a commit pushed after the cache was made instead of cloning again', async () => {
    const workDir = join(root, 'agent-b');
    const { checkout, commands, bareClones } = newCheckout(workDir);
    await checkout.checkout({ repoUrl: origin, sha: commit('three'), workspace: join(workDir, 'ws-a') });
    const later = commit('four');
    const ws = join(workDir, 'ws-b');
    await checkout.checkout({ repoUrl: origin, sha: later, workspace: ws });
    expect(git(ws, 'rev-parse', 'HEAD')).toBe(later);
    expect(bareClones()).toBe(1);
    expect(commands.some((args) => args.includes('fetch'))).toBe(true);
  });

  it('clones a repository once when two jobs check it out at the same time', async () => {
    const sha = commit('five');
    const workDir = join(root, 'agent-c');
    const { checkout, bareClones } = newCheckout(workDir);
    await Promise.all([
      checkout.checkout({ repoUrl: origin, sha, workspace: join(workDir, 'ws-1') }),
      checkout.checkout({ repoUrl: origin, sha, workspace: join(workDir, 'ws-2') }),
    ]);
    expect(bareClones()).toBe(1);
    expect(readFileSync(join(workDir, 'ws-2', 'file.txt'), 'utf8')).toBe('five');
  });

  it('replaces a leftover workspace of the same attempt', async () => {
    const sha = commit('six');
    const workDir = join(root, 'agent-d');
    const ws = join(workDir, 'ws');
    mkdirSync(ws, { recursive: true });
    writeFileSync(join(ws, 'stale.txt'), 'from a crashed run');
    await newCheckout(workDir).checkout.checkout({ repoUrl: origin, sha, workspace: ws });
    expect(existsSync(join(ws, 'stale.txt'))).toBe(false);
  });

  it('fails with a clear error for a commit the repository does not have', async () => {
    const workDir = join(root, 'agent-e');
    const { checkout } = newCheckout(workDir);
    const missing = 'deadbeef'.repeat(5);
    const attempt = checkout.checkout({ repoUrl: origin, sha: missing, workspace: join(workDir, 'ws') });
    await expect(attempt).rejects.toBeInstanceOf(CheckoutError);
    await expect(attempt).rejects.toThrow(/^checkout failed: /);
  });

  it('fails with git’s own message for a repository that does not exist', async () => {
    const workDir = join(root, 'agent-f');
    const { checkout } = newCheckout(workDir);
    const attempt = checkout.checkout({
      repoUrl: join(root, 'no-such-repo'),
      sha: 'a'.repeat(40),
      workspace: join(workDir, 'ws'),
    });
    await expect(attempt).rejects.toThrow(/^checkout failed: fatal: .*no-such-repo/);
    // A failed clone leaves no half-made cache behind.
    expect(existsSync(checkout.cachePath(join(root, 'no-such-repo')))).toBe(false);
  });
});
