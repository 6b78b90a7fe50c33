/**
 * Restores one cache before the first step: asks the controller which saved
 * archive to use (exact key, then fallback prefixes), reads it from the
 * agent's local copy when it has one with the same SHA-256, else downloads
 * it, checks its digest, extracts it beside the workspace and moves each
 * declared path into place. Anything that goes wrong is a miss with the
 * reason: a cache never fails a job. A stale lease is thrown.
 */
import { cp, lstat, mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { retry } from '@gantry/common';
import type { CacheReport } from '@gantry/proto';
import { downloadFile, isTransientTransferError } from '../artifacts/object-transfer.js';
import { transferRetry } from '../artifacts/upload-artifacts.js';
import { type ControllerClient, isStaleLeaseError, isTransientCallError, type Lease } from '../controller-client.js';
import { type CacheFormat, extractCacheArchive } from './cache-archive.js';
import { type CachePath, CachePathError, findEscapingSymlink, placeOf } from './cache-paths.js';
import type { LocalCopies } from './local-copies.js';

export interface CacheRoots {
  workspace: string;
  home: string;
}

export interface RestoreCacheOptions {
  controller: ControllerClient;
  lease: Lease;
  key: string;
  fallbackKeys: readonly string[];
  paths: readonly CachePath[];
  roots: CacheRoots;
  copies: LocalCopies;
  signal?: AbortSignal;
}

export type RestoreResult = Pick<
  CacheReport,
  'restore' | 'restoredKey' | 'restoredScope' | 'restoredSize' | 'restoreMs' | 'message'
>;

export async function restoreCache(options: RestoreCacheOptions): Promise<RestoreResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const { controller, lease, copies, signal } = options;
  const found = await retry(() => controller.getCacheDownload(lease, [options.key, ...options.fallbackKeys]), {
    ...transferRetry,
    signal,
    shouldRetry: isTransientCallError,
  });
  if (!found.found) return { restore: 'miss', restoreMs: elapsed(), message: 'no cache saved for this key' };
  let archive = await copies.find(found.sha256, found.size);
  const local = archive !== null;
  const staging = await copies.scratchPath('restore');
  // A download the agent keeps no copy of, removed at the end.
  let scratch: string | undefined;
  try {
    if (archive === null) {
      const downloaded = await copies.scratchPath('download');
      const digest = await retry(() => downloadFile(found.url, downloaded, signal), {
        ...transferRetry,
        signal,
        shouldRetry: isTransientTransferError,
      }).catch(async (error: unknown) => {
        await rm(downloaded, { force: true });
        throw error;
      });
      if (digest.sha256 !== found.sha256 || digest.size !== found.size) {
        await rm(downloaded, { force: true });
        throw new CachePathError(
          `archive does not match: expected sha256 ${found.sha256} (${found.size} bytes), got ${digest.sha256} (${digest.size} bytes)`,
        );
      }
      archive = await copies.keep(downloaded, found.sha256);
      if (archive === downloaded) scratch = downloaded;
    }
    await mkdir(staging, { recursive: true, mode: 0o700 });
    await extractCacheArchive(archive, found.format as CacheFormat, staging).catch(async (error: unknown) => {
      if (local) await copies.forget(found.sha256);
      throw error;
    });
    for (const path of options.paths) await moveIntoPlace(staging, path, options.roots);
    return {
      restore: found.exact ? 'hit' : 'fallback',
      restoredKey: found.key,
      restoredScope: found.scope,
      restoredSize: found.size,
      restoreMs: elapsed(),
      message: local ? 'from the local copy' : 'downloaded',
    };
  } catch (error) {
    if (isStaleLeaseError(error)) throw error;
    return { restore: 'miss', restoreMs: elapsed(), message: `cache unusable: ${(error as Error).message}` };
  } finally {
    await rm(staging, { recursive: true, force: true });
    if (scratch !== undefined) await rm(scratch, { force: true });
  }
}

/**
 * Replaces `path` under its root with the extracted one (absent from the
 * archive: left alone). Both ends are taken as they really are (placeOf):
 * a symlinked directory on the way, in the archive or planted in the
 * workspace or home, that leads outside its root makes the cache a miss
 * before anything is removed, moved or written.
 */
async function moveIntoPlace(staging: string, path: CachePath, roots: CacheRoots): Promise<void> {
  const base = join(staging, path.root);
  if ((await lstat(join(base, path.relative)).catch(() => null)) === null) return;
  const source = await placeOf(base, path);
  const escaping = await findEscapingSymlink(base, path.relative);
  if (escaping !== null)
    throw new CachePathError(`archive holds a symlink pointing outside the ${path.root}: ${escaping}`);
  const target = await placeOf(path.root === 'home' ? roots.home : roots.workspace, path);
  await rm(target, { recursive: true, force: true });
  await mkdir(dirname(target), { recursive: true });
  await rename(source, target).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EXDEV') throw error;
    await cp(source, target, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
  });
}
