import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertRepositoryAllowed, type RepositoryAllowList } from './repository-allow-list.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'gantry-allow-'));
  await mkdir(join(dir, 'srv', 'git', 'app.git'), { recursive: true });
  await mkdir(join(dir, 'srv', 'gitolite'), { recursive: true });
  await mkdir(join(dir, 'secret'), { recursive: true });
  await symlink(join(dir, 'secret'), join(dir, 'srv', 'git', 'escape'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const allowed = (repo: string, allow: RepositoryAllowList) => {
  try {
    assertRepositoryAllowed(repo, allow);
    return true;
  } catch (error) {
    expect((error as { code: string }).code).toBe('REPOSITORY_NOT_ALLOWED');
    return false;
  }
};

describe('repositories with GANTRY_REPO_ALLOW unset', () => {
  const controller = { entries: null, localByDefault: false };
  const up = { entries: null, localByDefault: true };

  it.each([
    'https://git.example.com/team/app.git',
    'http://git.internal:3000/app.git',
    'ssh://git@git.example.com/app.git',
    'git://git.example.com/app.git',
    'git@github.com:team/app.git',
  ])('allows the network repository %s', (repo) => {
    expect(allowed(repo, controller)).toBe(true);
  });

  it.each(['/srv/git/app.git', 'relative/dir', '../up', 'file:///etc', 'ext::sh -c id', 'fd::3', '--upload-pack=id'])(
    'refuses %s under `gantry controller`',
    (repo) => {
      expect(allowed(repo, controller)).toBe(false);
    },
  );

  it('allows local paths under `gantry up`, never other transports', () => {
    expect(allowed('/srv/git/app.git', up)).toBe(true);
    expect(allowed('file:///srv/git/app.git', up)).toBe(true);
    expect(allowed('ext::sh -c id', up)).toBe(false);
    expect(allowed('fd::3', up)).toBe(false);
    expect(allowed('gopher://x/', up)).toBe(false);
  });
});

describe('repositories with GANTRY_REPO_ALLOW set', () => {
  const list = (): RepositoryAllowList => ({
    entries: [join(dir, 'srv', 'git'), 'https://git.example.com/team/', 'https://code.example.org'],
    localByDefault: true,
  });

  it.each([
    () => join(dir, 'srv', 'git', 'app.git'),
    () => `file://${join(dir, 'srv', 'git', 'app.git')}`,
    () => join(dir, 'srv', 'git', 'not-there-yet.git'),
    () => 'https://git.example.com/team/app.git',
    () => 'https://code.example.org/x.git',
  ])('allows what an entry covers (%#)', (repo) => {
    expect(allowed(repo(), list())).toBe(true);
  });

  it.each([
    () => join(dir, 'srv', 'gitolite'),
    () => join(dir, 'srv', 'git', '..', 'gitolite'),
    () => join(dir, 'srv', 'git', 'escape'),
    () => join(dir, 'secret'),
    () => 'file:///etc',
    () => 'https://git.example.com/other/app.git',
    () => 'https://code.example.org.evil.net/x.git',
    () => 'https://code.example.org:pw@evil.net/x.git',
    () => 'https://code.example.org@evil.net/x.git',
    () => 'http://169.254.169.254/latest/meta-data',
    () => 'git@github.com:team/app.git',
  ])('refuses what no entry covers (%#), even local paths under `gantry up`', (repo) => {
    expect(allowed(repo(), list())).toBe(false);
  });

  it('says the same thing whether the place exists or not', () => {
    const messages = ['/etc', '/no/such/dir', '/etc/passwd', 'file:///root'].map((repo) => {
      try {
        assertRepositoryAllowed(repo, list());
        return 'allowed';
      } catch (error) {
        return (error as Error).message;
      }
    });
    expect(new Set(messages).size).toBe(1);
    expect(messages[0]).toContain('GANTRY_REPO_ALLOW');
  });
});
