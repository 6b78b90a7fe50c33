import { createHash } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControllerClient } from '../controller-client.js';
import { archiveFormat, createCacheArchive } from './cache-archive.js';
import { type CacheRoot, cachePathsOf } from './cache-paths.js';
import { LocalCopies } from './local-copies.js';
import { type CacheRoots, restoreCache } from './restore-cache.js';

const lease = { jobId: 'job-1', attempt: 1, leaseToken: 'lease-1' };
let root: string;
let server: Server;
let served = Buffer.alloc(0);

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'gantry-restore-'));
  server = createServer((_request, response) => response.end(served));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await rm(root, { recursive: true, force: true });
});

/** A controller that names one archive: `bytes` as served, with the digest and size it says it recorded. */
function controllerNaming(recorded: { sha256: string; size: number }, format: string): ControllerClient {
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/archive`;
  return {
    getCacheDownload: async () => ({
      found: true,
      key: 'npm-a',
      exact: true,
      scope: 'protected',
      url,
      format,
      ...recorded,
    }),
  } as unknown as ControllerClient;
}

const digestOf = (bytes: Buffer) => ({ sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length });

/** A controller naming an archive of `paths` under `rootDir`, stored as `cacheRoot` without the checks of a save. */
async function controllerServing(rootDir: string, cacheRoot: CacheRoot, paths: string[]): Promise<ControllerClient> {
  const file = join(await mkdtemp(join(root, 'archive-')), 'archive');
  const format = await archiveFormat();
  await createCacheArchive(file, format, [{ root: cacheRoot, rootDir, paths }]);
  served = await readFile(file);
  return controllerNaming(digestOf(served), format);
}

interface RestoreSetup {
  paths?: string[];
  localBytes?: number;
  /** Leaves the roots as a checkout or an earlier job would have, before the restore. */
  prepare?: (roots: CacheRoots) => Promise<void>;
}

async function restoreWith(
  controller: ControllerClient,
  { paths = ['node_modules'], localBytes = 1024 * 1024, prepare }: RestoreSetup = {},
) {
  const roots = { workspace: await mkdtemp(join(root, 'ws-')), home: await mkdtemp(join(root, 'home-')) };
  await prepare?.(roots);
  const result = await restoreCache({
    controller,
    lease,
    key: 'npm-a',
    fallbackKeys: [],
    paths: cachePathsOf(paths),
    roots,
    copies: new LocalCopies(await mkdtemp(join(root, 'work-')), localBytes),
  });
  return { result, workspace: roots.workspace };
}

describe('restoreCache', () => {
  it('puts a good archive in place: a hit', async () => {
    const source = await mkdtemp(join(root, 'src-'));
    await mkdir(join(source, 'node_modules', 'dep'), { recursive: true });
    await writeFile(join(source, 'node_modules', 'dep', 'index.js'), 'ok\n');
    await mkdir(join(source, 'node_modules', '.bin'));
    await symlink('../dep/index.js', join(source, 'node_modules', '.bin', 'dep'));
    const file = join(root, 'good-archive');
    const format = await archiveFormat();
    await createCacheArchive(file, format, [{ root: 'workspace', rootDir: source, paths: ['node_modules'] }]);
    served = await readFile(file);
    const { result, workspace } = await restoreWith(controllerNaming(digestOf(served), format));
    expect(result).toMatchObject({
      restore: 'hit',
      restoredKey: 'npm-a',
      restoredScope: 'protected',
      restoredSize: served.length,
    });
    expect(await readFile(join(workspace, 'node_modules', 'dep', 'index.js'), 'utf8')).toBe('ok\n');
    expect(await readFile(join(workspace, 'node_modules', '.bin', 'dep'), 'utf8')).toBe('ok\n');
  });

  it('restores from the store when the agent keeps no local copies', async () => {
    const { result, workspace } = await restoreWith(controllerNaming(digestOf(served), await archiveFormat()), {
      localBytes: 0,
    });
    expect(result).toMatchObject({ restore: 'hit', message: 'downloaded' });
    expect(await readFile(join(workspace, 'node_modules', 'dep', 'index.js'), 'utf8')).toBe('ok\n');
  });

  it('treats an archive that is not one as a miss', async () => {
    served = Buffer.from('this is not a tar archive');
    const { result } = await restoreWith(controllerNaming(digestOf(served), await archiveFormat()));
    expect(result.restore).toBe('miss');
    expect(result.message).toMatch(/^cache unusable: tar failed/);
  });

  it('treats bytes that differ from the recorded digest as a miss', async () => {
    served = Buffer.from('altered in the store');
    const { result } = await restoreWith(controllerNaming({ sha256: 'f'.repeat(64), size: served.length }, 'tar+gzip'));
    expect(result.restore).toBe('miss');
    expect(result.message).toContain('archive does not match: expected sha256 ffff');
  });

  it.each([
    ['vendor/bundle', 'workspace', 'vendor'],
    ['~/.cache/tool', 'home', '.cache'],
  ] as const)(
    'is a miss for %s under a symlink leading outside its root, leaving the outside alone',
    async (declared, cacheRoot, linked) => {
      const [path] = cachePathsOf([declared]);
      const source = await mkdtemp(join(root, 'src-'));
      await mkdir(join(source, path!.relative), { recursive: true });
      await writeFile(join(source, path!.relative, 'restored'), 'from the archive\n');
      const controller = await controllerServing(source, cacheRoot, [path!.relative]);
      const outside = await mkdtemp(join(root, 'outside-'));
      const below = join(outside, path!.relative.slice(linked.length + 1));
      await mkdir(below);
      await writeFile(join(below, 'kept'), 'not the cache\n');
      const { result } = await restoreWith(controller, {
        paths: [declared],
        prepare: (roots) => symlink(outside, join(roots[cacheRoot], linked)),
      });
      expect(result.restore).toBe('miss');
      expect(result.message).toBe(
        `cache unusable: cache path "${declared}" leads outside the ${cacheRoot} (through ${outside})`,
      );
      expect(await readdir(below)).toEqual(['kept']);
    },
  );

  it('is a miss for an archive whose symlink leaves the workspace through another one', async () => {
    const source = await mkdtemp(join(root, 'src-'));
    await mkdir(join(source, 'c'));
    await symlink('..', join(source, 'c', 'b'));
    await symlink('b/..', join(source, 'c', 'a'));
    const controller = await controllerServing(source, 'workspace', ['c']);
    const { result, workspace } = await restoreWith(controller, { paths: ['c'] });
    expect(result.restore).toBe('miss');
    expect(result.message).toBe('cache unusable: archive holds a symlink pointing outside the workspace: c/a -> b/..');
    await expect(lstat(join(workspace, 'c'))).rejects.toThrow('ENOENT');
  });

  it('is a miss for a path the archive reaches through a symlink outside it, taking nothing from there', async () => {
    const outside = await mkdtemp(join(root, 'outside-'));
    await writeFile(join(outside, 'secret'), 'not the cache\n');
    const source = await mkdtemp(join(root, 'src-'));
    await mkdir(join(source, 'c'));
    await symlink(outside, join(source, 'c', 'out'));
    const controller = await controllerServing(source, 'workspace', ['c']);
    const { result, workspace } = await restoreWith(controller, { paths: ['c/out/secret'] });
    expect(result.restore).toBe('miss');
    expect(result.message).toBe(
      `cache unusable: cache path "c/out/secret" leads outside the workspace (through ${outside})`,
    );
    expect(await readFile(join(outside, 'secret'), 'utf8')).toBe('not the cache\n');
    await expect(lstat(join(workspace, 'c'))).rejects.toThrow('ENOENT');
  });
});
