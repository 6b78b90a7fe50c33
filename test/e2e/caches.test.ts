/**
 * Caches with a real package manager: a small project whose dependency is a
 * packed tarball in the repository, installed by `npm ci --offline`. The
 * first run misses and saves node_modules; the next restores it (the install
 * is skipped); a changed lock file misses again; a side-branch job reads
 * main's cache but its save goes to its own scope, so main goes on restoring
 * the archive main saved. Sizes, keys and scopes are asserted, never times.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitRepo, type GitRepo, type RunView } from '../src/harness/index.js';
import { type Farm, farmLogs, startFarm } from './farm-fixture.js';

const execFileAsync = promisify(execFile);

const pipeline = (extra = '', step = '') => `name: npm-app
cache:
  key: { files: [package-lock.json], prefix: npm }
  paths: [node_modules]${extra}
stages:
  - name: test
    jobs:
      - name: install
        steps:
          - if [ -d node_modules ]; then echo "node_modules restored"; else npm ci --offline --no-audit --no-fund; fi
          - node -e "console.log(require('gantry-dep').hello())"${step ? `\n          - ${step}` : ''}
`;

/** Packs version `version` of a small package (with some bulk) into the repository's vendor/. */
async function packDependency(repo: GitRepo, version: string): Promise<string> {
  const source = await mkdtemp(join(tmpdir(), 'gantry-dep-'));
  await writeFile(
    join(source, 'package.json'),
    JSON.stringify({ name: 'gantry-dep', version, main: 'index.js', license: 'MIT' }),
  );
  await writeFile(join(source, 'index.js'), `exports.hello = () => 'hello from gantry-dep ${version}';\n`);
  await mkdir(join(source, 'data'));
  for (let index = 0; index < 50; index++) {
    await writeFile(join(source, 'data', `part-${index}.txt`), `${version} part ${index}\n`.repeat(200));
  }
  await mkdir(join(repo.path, 'vendor'), { recursive: true });
  await execFileAsync('npm', ['pack', '--silent', '--pack-destination', join(repo.path, 'vendor')], { cwd: source });
  await rm(source, { recursive: true, force: true });
  return `gantry-dep-${version}.tgz`;
}

/** Points package.json at the packed version and writes its lock file, as a developer would, then commits. */
async function useDependency(repo: GitRepo, version: string, files: Record<string, string> = {}): Promise<void> {
  const tarball = await packDependency(repo, version);
  await writeFile(
    join(repo.path, 'package.json'),
    JSON.stringify({
      name: 'npm-app',
      version: '1.0.0',
      private: true,
      dependencies: { 'gantry-dep': `file:vendor/${tarball}` },
    }),
  );
  await execFileAsync('npm', ['install', '--package-lock-only', '--offline', '--no-audit', '--no-fund'], {
    cwd: repo.path,
  });
  await repo.commit(files, `use gantry-dep ${version}`);
}

const gantryBin = fileURLToPath(new URL('../../bin/gantry.mjs', import.meta.url));

/** Runs the CLI against the farm as `token`; resolves with its stdout, rejects (with stderr) when it fails. */
async function gantry(token: string, ...args: string[]): Promise<string> {
  const farmUrl = currentFarm?.controller.httpUrl ?? '';
  try {
    const { stdout } = await execFileAsync(process.execPath, [gantryBin, ...args], {
      env: { ...process.env, GANTRY_URL: farmUrl, GANTRY_TOKEN: token, NO_COLOR: '1' },
    });
    return stdout;
  } catch (error) {
    throw new Error(String((error as { stderr?: string }).stderr ?? error));
  }
}

let currentFarm: Farm | undefined;

async function git(repo: GitRepo, ...args: string[]): Promise<void> {
  await execFileAsync('git', args, { cwd: repo.path });
}

describe('caches with npm', () => {
  let farm: Farm;
  let repo: GitRepo;
  beforeAll(async () => {
    farm = await startFarm({ agents: 2, slots: 1 });
    currentFarm = farm;
    repo = await createGitRepo({ '.gantry.yml': pipeline(), '.gitignore': 'node_modules\n' });
    await useDependency(repo, '1.0.0');
  }, 120_000);
  afterAll(async () => {
    await farm?.stop();
    await repo?.remove();
  });

  async function run(ref: string): Promise<{ run: RunView; log: string; cache: Record<string, unknown> }> {
    const created = await farm.client.POST('/api/runs', { body: { repo: repo.path, ref } });
    expect(created.response.status).toBe(201);
    const done = await farm.client.waitForRun(created.data!.id, (r) => !['queued', 'running'].includes(r.status), {
      timeoutMs: 120_000,
    });
    const job = done.stages[0]!.jobs[0]!;
    const log = await farm.client.readLog(done.id, job.id);
    expect(done.status, `${log}\n${farmLogs(farm)}`).toBe('succeeded');
    const detail = await farm.client.GET('/api/runs/{id}', { params: { path: { id: done.id } } });
    const caches = detail.data!.stages[0]!.jobs[0]!.caches;
    expect(caches).toHaveLength(1);
    return { run: done, log, cache: caches[0] as unknown as Record<string, unknown> };
  }

  it('misses and saves, then hits; a changed lock file misses; a side branch never replaces main’s cache', async () => {
    const first = await run('main');
    const key = String(first.cache.key);
    expect(key).toMatch(/^npm-[0-9a-f]{32}$/);
    expect(first.cache, first.log).toMatchObject({ restore: 'miss', save: 'saved', savedScope: 'protected' });
    const savedBytes = Number(first.cache.savedBytes);
    expect(savedBytes).toBeGreaterThan(0);
    expect(first.log).toContain(`cache miss: key ${key}`);
    expect(first.log).toContain(`cache saved: key ${key}, ${savedBytes} bytes to scope protected`);
    expect(first.log).toContain('hello from gantry-dep 1.0.0');
    expect(first.log).not.toMatch(/^node_modules restored$/m);

    const second = await run('main');
    expect(second.cache).toMatchObject({
      key,
      restore: 'hit',
      restoredKey: key,
      restoredScope: 'protected',
      restoredBytes: savedBytes,
      save: 'not_needed',
    });
    expect(second.log).toContain(`cache hit: key ${key}, ${savedBytes} bytes from scope protected`);
    expect(second.log).toMatch(/^node_modules restored$/m);
    expect(second.log).toContain('hello from gantry-dep 1.0.0');

    // A side branch with the same lock file restores main's cache...
    await git(repo, 'checkout', '--quiet', '-b', 'feature');
    const sideRead = await run('feature');
    expect(sideRead.cache).toMatchObject({ key, restore: 'hit', restoredScope: 'protected', save: 'not_needed' });

    // ...and when it saves the same key (policy push) with altered contents, the save lands in its own scope.
    await repo.commit(
      { '.gantry.yml': pipeline('\n  policy: push', 'echo poisoned > node_modules/gantry-dep/POISON') },
      'push a poisoned cache',
    );
    const sidePush = await run('feature');
    expect(sidePush.cache).toMatchObject({
      key,
      restore: 'skipped',
      save: 'saved',
      savedScope: 'ref:refs/heads/feature',
    });

    // Main still restores the archive main saved: same scope, same size, nothing poisoned.
    await git(repo, 'checkout', '--quiet', 'main');
    await repo.commit({ '.gantry.yml': pipeline('', 'test ! -e node_modules/gantry-dep/POISON') }, 'check for poison');
    const afterSide = await run('main');
    expect(afterSide.cache).toMatchObject({
      key,
      restore: 'hit',
      restoredScope: 'protected',
      restoredBytes: savedBytes,
    });

    // The side branch's next run restores its own scope first.
    await git(repo, 'checkout', '--quiet', 'feature');
    await repo.commit({ '.gantry.yml': pipeline('', 'test -e node_modules/gantry-dep/POISON') }, 'read own scope');
    const sideOwn = await run('feature');
    expect(sideOwn.cache).toMatchObject({ key, restore: 'hit', restoredScope: 'ref:refs/heads/feature' });
    await git(repo, 'checkout', '--quiet', 'main');

    // A new lock file is a new key: a miss, then a save.
    await useDependency(repo, '1.0.1');
    const changed = await run('main');
    expect(changed.cache.key).not.toBe(key);
    expect(changed.cache).toMatchObject({ restore: 'miss', save: 'saved', savedScope: 'protected' });
    expect(changed.log).toContain('hello from gantry-dep 1.0.1');

    // gantry cache list shows every scope; clearing needs the admin role and empties the repository's caches.
    const listed = JSON.parse(await gantry(farm.adminToken, 'cache', 'list', '--repo', repo.path, '--json')) as {
      caches: { scope: string; key: string; size: number }[];
    };
    expect(listed.caches.map((entry) => [entry.scope, entry.key]).sort()).toEqual(
      [
        ['protected', key],
        ['protected', String(changed.cache.key)],
        ['ref:refs/heads/feature', key],
      ].sort(),
    );
    expect(listed.caches.find((entry) => entry.scope === 'protected' && entry.key === key)?.size).toBe(savedBytes);
    const reader = await gantry(farm.adminToken, 'token', 'create', '--name', 'cache-reader', '--role', 'read');
    await expect(gantry(reader.trim(), 'cache', 'clear', '--repo', repo.path)).rejects.toThrow(
      /needs the "admin" role/,
    );
    expect(await gantry(farm.adminToken, 'cache', 'clear', '--repo', repo.path)).toMatch(
      /^deleted 3 caches \(\d+ bytes\)$/m,
    );
    expect(await gantry(farm.adminToken, 'cache', 'list', '--repo', repo.path)).toBe('no caches\n');
    const cleared = await run('main');
    expect(cleared.cache).toMatchObject({ restore: 'miss', save: 'saved' });
  }, 300_000);
});
