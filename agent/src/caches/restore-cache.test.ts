import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControllerClient } from '../controller-client.js';
import { archiveFormat, createCacheArchive } from './cache-archive.js';
import { cachePathsOf } from './cache-paths.js';
import { LocalCopies } from './local-copies.js';
import { restoreCache } from './restore-cache.js';

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

async function restoreWith(controller: ControllerClient, localBytes = 1024 * 1024) {
  const workspace = await mkdtemp(join(root, 'ws-'));
  const result = await restoreCache({
    controller,
    lease,
    key: 'npm-a',
    fallbackKeys: [],
    paths: cachePathsOf(['node_modules']),
    roots: { workspace, home: join(root, 'home') },
    copies: new LocalCopies(await mkdtemp(join(root, 'work-')), localBytes),
  });
  return { result, workspace };
}

describe('restoreCache', () => {
  it('puts a good archive in place: a hit', async () => {
    const source = await mkdtemp(join(root, 'src-'));
    await mkdir(join(source, 'node_modules', 'dep'), { recursive: true });
    await writeFile(join(source, 'node_modules', 'dep', 'index.js'), 'ok\n');
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
  });

  it('restores from the store when the agent keeps no local copies', async () => {
    const { result, workspace } = await restoreWith(controllerNaming(digestOf(served), await archiveFormat()), 0);
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
});
