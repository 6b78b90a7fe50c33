/**
 * Saves one cache after the steps: checks its paths (inside their root, no
 * symlink pointing out), archives those that exist, refuses an archive over
 * GANTRY_CACHE_MAX_BYTES, uploads it through a presigned URL and commits it
 * in the scope the controller chose for the run's ref. The archive then
 * becomes the agent's local copy. A failure is reported, never fails the job;
 * a stale lease is thrown.
 */
import { rm, stat } from 'node:fs/promises';
import { retry } from '@gantry/common';
import type { CacheReport } from '@gantry/proto';
import { isTransientTransferError, uploadFile } from '../artifacts/object-transfer.js';
import { transferRetry } from '../artifacts/upload-artifacts.js';
import { type ControllerClient, isStaleLeaseError, isTransientCallError, type Lease } from '../controller-client.js';
import { type ArchiveGroup, archiveFormat, createCacheArchive } from './cache-archive.js';
import { type CachePath, checkCachePath } from './cache-paths.js';
import type { LocalCopies } from './local-copies.js';
import type { CacheRoots } from './restore-cache.js';

export interface SaveCacheOptions {
  controller: ControllerClient;
  lease: Lease;
  key: string;
  paths: readonly CachePath[];
  roots: CacheRoots;
  copies: LocalCopies;
  /** GANTRY_CACHE_MAX_BYTES. */
  maxBytes: number;
  signal?: AbortSignal;
}

export type SaveResult = Pick<CacheReport, 'save' | 'savedScope' | 'savedSize' | 'saveMs' | 'message'>;

export async function saveCache(options: SaveCacheOptions): Promise<SaveResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const { controller, lease, signal } = options;
  const call = <T>(invoke: () => Promise<T>) =>
    retry(invoke, { ...transferRetry, signal, shouldRetry: isTransientCallError });
  const archive = await options.copies.scratchPath('save');
  try {
    const groups: ArchiveGroup[] = [
      { root: 'workspace', rootDir: options.roots.workspace, paths: [] },
      { root: 'home', rootDir: options.roots.home, paths: [] },
    ];
    for (const path of options.paths) {
      const group = groups.find((candidate) => candidate.root === path.root) as ArchiveGroup;
      if (await checkCachePath(group.rootDir, path)) group.paths.push(path.relative);
    }
    if (groups.every((group) => group.paths.length === 0)) {
      return { save: 'skipped', saveMs: elapsed(), message: 'none of the cache paths exist' };
    }
    const format = await archiveFormat();
    await createCacheArchive(archive, format, groups);
    const { size } = await stat(archive);
    if (size > options.maxBytes) {
      return {
        save: 'failed',
        saveMs: elapsed(),
        message: `archive is ${size} bytes, over the limit of ${options.maxBytes} bytes (GANTRY_CACHE_MAX_BYTES)`,
      };
    }
    const upload = await call(() => controller.createCacheUpload(lease, options.key));
    const digest = await retry(() => uploadFile(upload.url, archive, size, { signal }), {
      ...transferRetry,
      signal,
      shouldRetry: isTransientTransferError,
    });
    await call(() =>
      controller.commitCache({
        lease,
        key: options.key,
        uploadId: upload.uploadId,
        size,
        sha256: digest.sha256,
        format,
      }),
    );
    await options.copies.keep(archive, digest.sha256);
    return { save: 'saved', savedScope: upload.scope, savedSize: size, saveMs: elapsed(), message: '' };
  } catch (error) {
    if (isStaleLeaseError(error)) throw error;
    return { save: 'failed', saveMs: elapsed(), message: `cannot save: ${(error as Error).message}` };
  } finally {
    await rm(archive, { force: true });
  }
}
