/**
 * A job runs as the agent's user and can reach the agent's snapshots and
 * spare copies: whatever it does to them, the next job of that commit gets
 * the commit's tree.
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitCheckout } from './git-checkout.js';

const root = mkdtempSync(join(tmpdir(), 'gantry-integrity-'));
const origin = join(root, 'origin');
const env = {
  PATH: process.env.PATH ?? '',
  HOME: root,
  GIT_AUTHOR_NAME: 'Test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'Test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
};
let sha = '';

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, env }).toString().trim();
}

beforeAll(() => {
  mkdirSync(join(origin, 'scripts'), { recursive: true });
  git(origin, 'init', '-q', '-b', 'main');
  writeFileSync(join(origin, 'message.txt'), 'original');
  writeFileSync(join(origin, 'scripts', 'run.sh'), 'echo run\n', { mode: 0o755 });
  writeFileSync(join(origin, 'config.txt'), 'config');
  symlinkSync('message.txt', join(origin, 'link-to-message'));
  symlinkSync('/etc/hostname', join(origin, 'link-outside'));
  git(origin, 'add', '-A');
  git(origin, 'commit', '-q', '-m', 'first');
  sha = git(origin, 'rev-parse', 'HEAD');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function newCheckout(workDir: string) {
  const tampered: string[] = [];
  const checkout = new GitCheckout({ workDir, env, onTampered: (_path, problem) => tampered.push(problem) });
  return { checkout, tampered };
}

/** The workspace is exactly the commit: contents, modes, links as links, nothing more. */
function expectPristine(ws: string): void {
  expect(readFileSync(join(ws, 'message.txt'), 'utf8')).toBe('original');
  expect(readFileSync(join(ws, 'config.txt'), 'utf8')).toBe('config');
  expect(statSync(join(ws, 'scripts', 'run.sh')).mode & 0o777).toBe(0o755);
  expect(readlinkSync(join(ws, 'link-to-message'))).toBe('message.txt');
  expect(readlinkSync(join(ws, 'link-outside'))).toBe('/etc/hostname');
  expect(readdirSync(ws).sort()).toEqual([
    '.git',
    'config.txt',
    'link-outside',
    'link-to-message',
    'message.txt',
    'scripts',
  ]);
  expect(git(ws, 'status', '--porcelain', '--ignored')).toBe('');
  expect(git(ws, 'rev-parse', 'HEAD')).toBe(sha);
}

const tamperings: Array<[string, (tree: string) => void]> = [
  ['rewrites a file (same size)', (tree) => writeFileSync(join(tree, 'message.txt'), 'planted!')],
  ['adds a file', (tree) => writeFileSync(join(tree, 'scripts', 'planted.sh'), 'echo planted')],
  ['chmods a file', (tree) => chmodSync(join(tree, 'scripts', 'run.sh'), 0o644)],
  [
    'replaces a file with a symbolic link',
    (tree) => {
      unlinkSync(join(tree, 'config.txt'));
      symlinkSync('/etc/passwd', join(tree, 'config.txt'));
    },
  ],
  ['rewrites .git/HEAD', (tree) => writeFileSync(join(tree, '.git', 'HEAD'), `${'0'.repeat(40)}\n`)],
  ['removes a file', (tree) => unlinkSync(join(tree, 'config.txt'))],
];

describe('snapshot integrity', () => {
  it.each(tamperings)('a job that %s in the snapshot does not change the next workspace', async (_what, tamper) => {
    const workDir = mkdtempSync(join(root, 'agent-'));
    const { checkout, tampered } = newCheckout(workDir);
    await checkout.checkout({ repoUrl: origin, sha, workspace: join(workDir, 'ws-1') });
    tamper(checkout.snapshotPath(origin, sha));

    const ws = join(workDir, 'ws-2');
    await checkout.checkout({ repoUrl: origin, sha, workspace: ws });
    expectPristine(ws);
    expect(tampered).toHaveLength(1);
    // The snapshot was built again: the next job copies it without a second rebuild.
    await checkout.checkout({ repoUrl: origin, sha, workspace: join(workDir, 'ws-3') });
    expectPristine(join(workDir, 'ws-3'));
    expect(tampered).toHaveLength(1);
  });

  it.each(tamperings)('a job that %s in a spare copy does not change the next workspace', async (_what, tamper) => {
    const workDir = mkdtempSync(join(root, 'agent-'));
    const { checkout, tampered } = newCheckout(workDir);
    await checkout.checkout({ repoUrl: origin, sha, workspace: join(workDir, 'ws-1') });
    checkout.prepareSpare(origin, sha);
    await checkout.idle();
    const snapshots = join(checkout.snapshotPath(origin, sha), '..');
    const [spare] = readdirSync(snapshots).filter((name) => name.startsWith('.spare-'));
    tamper(join(snapshots, spare as string));

    const ws = join(workDir, 'ws-2');
    await checkout.checkout({ repoUrl: origin, sha, workspace: ws });
    expectPristine(ws);
    expect(tampered).toHaveLength(1);
  });

  it('gives each workspace its own files: writes through a workspace never reach the snapshot', async () => {
    const workDir = mkdtempSync(join(root, 'agent-'));
    const { checkout, tampered } = newCheckout(workDir);
    const ws1 = join(workDir, 'ws-1');
    await checkout.checkout({ repoUrl: origin, sha, workspace: ws1 });
    const snapshot = checkout.snapshotPath(origin, sha);
    expect(lstatSync(join(ws1, 'message.txt')).ino).not.toBe(lstatSync(join(snapshot, 'message.txt')).ino);
    expect(lstatSync(join(ws1, 'message.txt')).nlink).toBe(1);
    writeFileSync(join(ws1, 'message.txt'), 'job 1 was here');
    chmodSync(join(ws1, 'scripts', 'run.sh'), 0o600);

    await checkout.checkout({ repoUrl: origin, sha, workspace: join(workDir, 'ws-2') });
    expectPristine(join(workDir, 'ws-2'));
    expect(tampered).toEqual([]);
  });

  it('notices a hard link made to a snapshot file, and what is written through it', async () => {
    const workDir = mkdtempSync(join(root, 'agent-'));
    const { checkout, tampered } = newCheckout(workDir);
    const ws1 = join(workDir, 'ws-1');
    await checkout.checkout({ repoUrl: origin, sha, workspace: ws1 });
    linkSync(join(checkout.snapshotPath(origin, sha), 'message.txt'), join(ws1, 'linked'));
    writeFileSync(join(ws1, 'linked'), 'planted!');

    const ws2 = join(workDir, 'ws-2');
    await checkout.checkout({ repoUrl: origin, sha, workspace: ws2 });
    expectPristine(ws2);
    expect(tampered).toHaveLength(1);
  });

  it('builds no snapshot from a cache a job wrote into: the cache is cloned again', async () => {
    const workDir = mkdtempSync(join(root, 'agent-'));
    await newCheckout(workDir).checkout.checkout({ repoUrl: origin, sha, workspace: join(workDir, 'ws-1') });
    // Swap the cached blob of message.txt for one of the same size but other content.
    const blob = git(origin, 'rev-parse', `${sha}:message.txt`);
    const restarted = newCheckout(workDir);
    const object = join(restarted.checkout.cachePath(origin), 'objects', blob.slice(0, 2), blob.slice(2));
    unlinkSync(object);
    writeFileSync(object, deflateSync(Buffer.from('blob 8\0planted!')));

    // A new process builds its snapshot from the cache.
    const ws = join(workDir, 'ws-2');
    await restarted.checkout.checkout({ repoUrl: origin, sha, workspace: ws });
    expectPristine(ws);
    expect(restarted.tampered).toEqual([`object ${blob} does not match its name`]);
  });
});
