import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
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

function newCheckout(workDir: string, maxSnapshotsPerRepo?: number, spareCopies?: number) {
  const commands: string[][] = [];
  const onGitCommand = (args: string[]) => commands.push(args);
  const checkout = new GitCheckout({ workDir, env, maxSnapshotsPerRepo, spareCopies, onGitCommand });
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

  it('runs git only for the first job of a commit; later jobs copy its snapshot', async () => {
    const sha = commit('seven');
    const workDir = join(root, 'agent-g');
    const { checkout, commands } = newCheckout(workDir);
    const ws1 = join(workDir, 'workspaces', 'job1-1');
    await checkout.checkout({ repoUrl: origin, sha, workspace: ws1 });
    const gitForFirst = commands.length;
    expect(gitForFirst).toBeGreaterThan(0);
    expect(existsSync(checkout.snapshotPath(origin, sha))).toBe(true);

    const ws2 = join(workDir, 'workspaces', 'job2-1');
    await checkout.checkout({ repoUrl: origin, sha, workspace: ws2 });
    expect(commands).toHaveLength(gitForFirst);
    // A real, private, writable checkout of the exact commit.
    expect(git(ws2, 'rev-parse', 'HEAD')).toBe(sha);
    expect(git(ws2, 'status', '--porcelain')).toBe('');
    writeFileSync(join(ws2, 'file.txt'), 'changed in job 2');
    writeFileSync(join(ws2, 'new.txt'), 'new');
    expect(git(ws2, 'status', '--porcelain')).toBe('M file.txt\n?? new.txt');
    git(ws2, 'add', '-A');
    git(ws2, 'commit', '-q', '-m', 'job 2 commits locally');
    expect(git(ws2, 'reflog', '-1', '--format=%gs')).toBe('commit: job 2 commits locally');
    expect(git(ws2, 'rev-parse', 'HEAD~1')).toBe(sha);
    // Neither the snapshot nor another workspace saw any of it.
    expect(readFileSync(join(ws1, 'file.txt'), 'utf8')).toBe('seven');
    expect(git(ws1, 'rev-parse', 'HEAD')).toBe(sha);
    expect(git(ws1, 'status', '--porcelain')).toBe('');
    const ws3 = join(workDir, 'workspaces', 'job3-1');
    await checkout.checkout({ repoUrl: origin, sha, workspace: ws3 });
    expect(readFileSync(join(ws3, 'file.txt'), 'utf8')).toBe('seven');
    expect(existsSync(join(ws3, 'new.txt'))).toBe(false);
    expect(git(ws3, 'rev-parse', 'HEAD')).toBe(sha);
    expect(commands).toHaveLength(gitForFirst);
  });

  it('builds a snapshot once when jobs of a new commit check out at the same time', async () => {
    const sha = commit('eight');
    const workDir = join(root, 'agent-h');
    const { checkout, commands } = newCheckout(workDir);
    const workspaces = ['a', 'b', 'c'].map((name) => join(workDir, 'workspaces', name));
    await Promise.all(workspaces.map((workspace) => checkout.checkout({ repoUrl: origin, sha, workspace })));
    expect(commands.filter((args) => args.includes('--shared'))).toHaveLength(1);
    for (const ws of workspaces) expect(git(ws, 'rev-parse', 'HEAD')).toBe(sha);
  });

  it('keeps the newest snapshots of a repository and removes the least recently used', async () => {
    const [a, b, c] = [commit('nine'), commit('ten'), commit('eleven')];
    const workDir = join(root, 'agent-i');
    const { checkout } = newCheckout(workDir, 2);
    const ws = (name: string) => join(workDir, 'workspaces', name);
    await checkout.checkout({ repoUrl: origin, sha: a, workspace: ws('1') });
    await checkout.checkout({ repoUrl: origin, sha: b, workspace: ws('2') });
    // a is used again: b is now the least recently used.
    await checkout.checkout({ repoUrl: origin, sha: a, workspace: ws('3') });
    await checkout.checkout({ repoUrl: origin, sha: c, workspace: ws('4') });
    expect(existsSync(checkout.snapshotPath(origin, a))).toBe(true);
    expect(existsSync(checkout.snapshotPath(origin, b))).toBe(false);
    expect(existsSync(checkout.snapshotPath(origin, c))).toBe(true);
    await checkout.idle();
    const left = readdirSync(join(checkout.snapshotPath(origin, a), '..'));
    expect(left.filter((name) => !name.startsWith('.')).sort()).toEqual([a, c].sort());
    // Spare copies of the removed snapshot went with it.
    expect(left.filter((name) => name.includes(b))).toEqual([]);
    // An evicted commit is built again when needed.
    await checkout.checkout({ repoUrl: origin, sha: b, workspace: ws('5') });
    expect(git(ws('5'), 'rev-parse', 'HEAD')).toBe(b);
  });

  it('never trusts what a previous run left: its snapshots are removed and built again', async () => {
    const sha = commit('twelve');
    const workDir = join(root, 'agent-j');
    await newCheckout(workDir).checkout.checkout({ repoUrl: origin, sha, workspace: join(workDir, 'ws-1') });
    // A crash in the middle of building another snapshot left this behind.
    const snapshots = join(workDir, 'snapshots', readdirSync(join(workDir, 'snapshots'))[0] as string);
    mkdirSync(join(snapshots, `.partial-${'b'.repeat(40)}-0000`));
    // No manifest in this process vouches for the old snapshot: whatever a job did to it stays out.
    writeFileSync(join(snapshots, sha, 'file.txt'), 'planted between runs');

    const restarted = newCheckout(workDir);
    const ws = join(workDir, 'ws-2');
    await restarted.checkout.checkout({ repoUrl: origin, sha, workspace: ws });
    expect(restarted.commands.filter((args) => args[0] === 'clone')).toHaveLength(1);
    expect(restarted.bareClones()).toBe(0);
    expect(git(ws, 'rev-parse', 'HEAD')).toBe(sha);
    expect(readFileSync(join(ws, 'file.txt'), 'utf8')).toBe('twelve');
    await restarted.checkout.idle();
    expect(readdirSync(snapshots).filter((name) => !name.startsWith('.spare-'))).toEqual([sha]);
  });

  it('builds a snapshot again when it was removed by hand', async () => {
    const sha = commit('thirteen');
    const workDir = join(root, 'agent-k');
    const { checkout } = newCheckout(workDir);
    await checkout.checkout({ repoUrl: origin, sha, workspace: join(workDir, 'ws-1') });
    rmSync(checkout.snapshotPath(origin, sha), { recursive: true });
    const ws = join(workDir, 'ws-2');
    await checkout.checkout({ repoUrl: origin, sha, workspace: ws });
    expect(git(ws, 'rev-parse', 'HEAD')).toBe(sha);
    expect(git(ws, 'status', '--porcelain')).toBe('');
  });

  it('prepares a spare copy: the next job of the commit gets it renamed into place', async () => {
    const sha = commit('fourteen');
    const workDir = join(root, 'agent-l');
    const { checkout, commands } = newCheckout(workDir);
    const snapshots = join(checkout.snapshotPath(origin, sha), '..');
    const spares = () => readdirSync(snapshots).filter((name) => name.startsWith('.spare-'));
    await checkout.checkout({ repoUrl: origin, sha, workspace: join(workDir, 'ws-1') });
    await checkout.idle();
    expect(spares()).toEqual([]);
    checkout.prepareSpare(origin, sha);
    await checkout.idle();
    const [spare] = spares();
    expect(spare).toBeDefined();
    const spareInode = statSync(join(snapshots, spare as string)).ino;
    const gitCommands = commands.length;

    const ws = join(workDir, 'ws-2');
    await checkout.checkout({ repoUrl: origin, sha, workspace: ws });
    expect(statSync(ws).ino).toBe(spareInode);
    expect(spares()).toEqual([]);
    expect(git(ws, 'rev-parse', 'HEAD')).toBe(sha);
    expect(git(ws, 'status', '--porcelain')).toBe('');
    expect(commands).toHaveLength(gitCommands);
    // One spare at most; none for a commit without a snapshot.
    checkout.prepareSpare(origin, sha);
    checkout.prepareSpare(origin, sha);
    checkout.prepareSpare(origin, 'f'.repeat(40));
    await checkout.idle();
    expect(spares()).toHaveLength(1);
  });

  it('takes back a workspace its job left untouched as a spare, and copies anew after one that changed', async () => {
    const sha = commit('eighteen');
    const workDir = join(root, 'agent-o');
    const { checkout } = newCheckout(workDir);
    const snapshots = join(checkout.snapshotPath(origin, sha), '..');
    const spares = () => readdirSync(snapshots).filter((name) => name.startsWith('.spare-'));
    const inodeOfSpare = () => statSync(join(snapshots, spares()[0] as string)).ino;
    await checkout.checkout({ repoUrl: origin, sha, workspace: join(workDir, 'ws-0') });
    checkout.prepareSpare(origin, sha);
    await checkout.idle();
    const spareInode = inodeOfSpare();

    // Handed out, left as it was, released: the same directory is the spare again, no copy made.
    const untouched = join(workDir, 'ws-1');
    await checkout.checkout({ repoUrl: origin, sha, workspace: untouched });
    checkout.release(origin, sha, untouched);
    expect(existsSync(untouched)).toBe(false);
    await checkout.idle();
    expect(spares()).toHaveLength(1);
    expect(inodeOfSpare()).toBe(spareInode);

    // Handed out again and changed by its job: it stays where it is, and a fresh copy becomes the spare.
    const changed = join(workDir, 'ws-2');
    await checkout.checkout({ repoUrl: origin, sha, workspace: changed });
    expect(statSync(changed).ino).toBe(spareInode);
    writeFileSync(join(changed, 'file.txt'), 'not what was pushed');
    checkout.release(origin, sha, changed);
    expect(existsSync(changed)).toBe(true);
    await checkout.idle();
    expect(spares()).toHaveLength(1);
    expect(inodeOfSpare()).not.toBe(spareInode);
    const next = join(workDir, 'ws-3');
    await checkout.checkout({ repoUrl: origin, sha, workspace: next });
    expect(readFileSync(join(next, 'file.txt'), 'utf8')).toBe('eighteen');

    // A workspace copied from the snapshot (no spare left) has no manifest of its own: it is never taken back.
    const copied = join(workDir, 'ws-4');
    await checkout.checkout({ repoUrl: origin, sha, workspace: copied });
    checkout.release(origin, sha, copied);
    expect(existsSync(copied)).toBe(true);
    await checkout.idle();
  });

  it('keeps as many spares as asked, made one after another, for a stage that fans out', async () => {
    const sha = commit('sixteen');
    const workDir = join(root, 'agent-n');
    const { checkout } = newCheckout(workDir, undefined, 3);
    const snapshots = join(checkout.snapshotPath(origin, sha), '..');
    const spares = () => readdirSync(snapshots).filter((name) => name.startsWith('.spare-'));
    await checkout.checkout({ repoUrl: origin, sha, workspace: join(workDir, 'ws-0') });
    checkout.prepareSpare(origin, sha);
    await checkout.idle();
    const inodes = spares().map((name) => statSync(join(snapshots, name)).ino);
    expect(inodes).toHaveLength(3);

    const workspaces = ['ws-1', 'ws-2', 'ws-3'].map((name) => join(workDir, name));
    await Promise.all(workspaces.map((workspace) => checkout.checkout({ repoUrl: origin, sha, workspace })));
    // Every workspace is a spare renamed into place, none a fresh copy.
    expect(workspaces.map((workspace) => statSync(workspace).ino).sort()).toEqual([...inodes].sort());
    for (const workspace of workspaces) expect(git(workspace, 'status', '--porcelain')).toBe('');
    expect(spares()).toEqual([]);

    // Spares of the repository stay within the bound, all commits together: the newer commit's take over.
    checkout.prepareSpare(origin, sha);
    await checkout.idle();
    const newer = commit('seventeen');
    await checkout.checkout({ repoUrl: origin, sha: newer, workspace: join(workDir, 'ws-4') });
    checkout.prepareSpare(origin, newer);
    await checkout.idle();
    const newerSpares = readdirSync(join(checkout.snapshotPath(origin, newer), '..')).filter(
      (name) => name.startsWith('.spare-') && name.includes(newer),
    );
    expect(newerSpares).toHaveLength(3);
    expect(spares().filter((name) => name.includes(sha))).toEqual([]);
  });

  it('takes a spare that is still being made rather than copying again', async () => {
    const sha = commit('fifteen');
    const workDir = join(root, 'agent-m');
    const { checkout } = newCheckout(workDir);
    const snapshots = join(checkout.snapshotPath(origin, sha), '..');
    await checkout.checkout({ repoUrl: origin, sha, workspace: join(workDir, 'ws-1') });
    checkout.prepareSpare(origin, sha);
    const ws = join(workDir, 'ws-2');
    await checkout.checkout({ repoUrl: origin, sha, workspace: ws });
    await checkout.idle();
    // The spare went into ws-2, and no other was made.
    expect(readdirSync(snapshots).filter((name) => name.startsWith('.'))).toEqual([]);
    expect(git(ws, 'rev-parse', 'HEAD')).toBe(sha);
    expect(git(ws, 'status', '--porcelain')).toBe('');
  });
});
