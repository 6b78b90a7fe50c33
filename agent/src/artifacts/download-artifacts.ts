/**
 * Fetches the files a job's `needs_artifacts` names into its workspace before
 * the first step, at their original relative paths, and checks each one's
 * size and SHA-256 against what the producing job committed, and gives it
 * execute permission when the producing job's file had it. A missing or
 * altered file fails with ArtifactError naming the file and both digests.
 * Nothing is written or created outside the workspace: a symlink in the
 * checkout is followed only when it leads to a directory inside it, and a
 * symlink where a file goes is replaced, never written through.
 */
import type { Stats } from 'node:fs';
import { lstat, mkdir, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { retry } from '@gantry/common';
import type { ArtifactDownload__Output } from '@gantry/proto';
import { type ControllerClient, isTransientCallError, type Lease } from '../controller-client.js';
import { ArtifactError } from './artifact-error.js';
import { downloadFile, isTransientTransferError, StoreResponseError } from './object-transfer.js';
import { forEachConcurrently } from './transfer-pool.js';
import { transferRetry } from './upload-artifacts.js';

const concurrentDownloads = 4;

export interface DownloadArtifactsOptions {
  controller: ControllerClient;
  lease: Lease;
  workspace: string;
  /** Job names of needs_artifacts, to say which produced nothing. */
  needs: readonly string[];
  signal?: AbortSignal;
  print: (line: string) => void;
}

export async function downloadArtifacts(options: DownloadArtifactsOptions): Promise<ArtifactDownload__Output[]> {
  const { controller, lease, signal, print } = options;
  const downloads = await retry(() => controller.getArtifactDownloads(lease), {
    ...transferRetry,
    signal,
    shouldRetry: isTransientCallError,
  });
  checkComplete(options.needs, downloads);
  const root = await realpath(options.workspace);
  await forEachConcurrently(downloads, concurrentDownloads, async (file) => {
    const target = await targetOf(root, file.path);
    const mode = file.executable ? 0o755 : undefined;
    const digest = await retry(() => downloadFile(file.url, target, signal, mode), {
      ...transferRetry,
      signal,
      shouldRetry: isTransientTransferError,
    }).catch((error: Error) => {
      const reason =
        error instanceof StoreResponseError && error.status === 404 ? 'missing from the store' : error.message;
      throw new ArtifactError(`artifact ${file.path} of job "${file.jobName}" cannot be downloaded: ${reason}`, {
        cause: error,
      });
    });
    if (digest.sha256 !== file.sha256 || digest.size !== file.size) {
      throw new ArtifactError(
        `artifact ${file.path} of job "${file.jobName}" does not match: expected sha256 ${file.sha256} (${file.size} bytes), got sha256 ${digest.sha256} (${digest.size} bytes)`,
      );
    }
    print(`artifact ${file.path} from ${file.jobName}: ${digest.size} bytes, sha256 ${digest.sha256} verified`);
  });
  return downloads;
}

/** Every needed job kept something, and no two files claim one path. */
function checkComplete(needs: readonly string[], downloads: readonly ArtifactDownload__Output[]): void {
  const byPath = new Map<string, string>();
  for (const file of downloads) {
    const other = byPath.get(file.path);
    if (other !== undefined) {
      throw new ArtifactError(`artifact ${file.path} is kept by both job "${other}" and job "${file.jobName}"`);
    }
    byPath.set(file.path, file.jobName);
  }
  const producers = new Set(downloads.map((file) => file.jobName));
  const missing = needs.filter((name) => !producers.has(name));
  if (missing.length > 0) {
    throw new ArtifactError(`needed artifacts missing: job ${missing.map((name) => `"${name}"`).join(', ')} kept none`);
  }
}

/**
 * Where a file goes: inside the workspace, even when the checkout holds a
 * symlinked directory on its path. The directories on the way are checked
 * from the workspace root down, one at a time, and each missing one is
 * created only once the one above it is known to be inside the workspace.
 */
async function targetOf(root: string, path: string): Promise<string> {
  const segments = path.split('/');
  if (path.startsWith('/') || segments.some((segment) => segment === '..' || segment === '' || segment === '.')) {
    throw new ArtifactError(`artifact path "${path}" is not a relative path inside the workspace`);
  }
  let directory = root;
  for (const segment of segments.slice(0, -1)) directory = await enterDirectory(root, join(directory, segment), path);
  return join(directory, segments.at(-1) ?? '');
}

/**
 * The real path of the directory at `next` (created when missing), whose
 * parent is already known to be inside the workspace. A symlink there is
 * followed only to a directory inside the workspace; anything else fails
 * with ArtifactError naming the artifact and the entry in its way.
 */
async function enterDirectory(root: string, next: string, path: string): Promise<string> {
  const entry = await existingOrNewDirectory(next);
  const name = relative(root, next);
  if (entry.isDirectory()) return next;
  if (!entry.isSymbolicLink())
    throw new ArtifactError(`artifact ${path} cannot be written: ${name} is not a directory`);
  const target = await realpath(next).catch(() => null);
  if (target === null) {
    throw new ArtifactError(`artifact ${path} cannot be written: ${name} is a symlink whose target does not exist`);
  }
  if (!isWithin(root, target)) {
    throw new ArtifactError(
      `artifact ${path} would be written outside the workspace (through ${name}, a symlink to ${target})`,
    );
  }
  if (!(await stat(target)).isDirectory()) {
    throw new ArtifactError(`artifact ${path} cannot be written: ${name} is not a directory`);
  }
  return target;
}

/** What is at `path`, not following a symlink; an empty directory made there when there was nothing. */
async function existingOrNewDirectory(path: string): Promise<Stats> {
  const existing = await lstat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (existing !== null) return existing;
  // Another download may make it meanwhile: then it is checked like any other.
  await mkdir(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  return lstat(path);
}

/** `path` is `root` or below it. */
function isWithin(root: string, path: string): boolean {
  const inside = relative(root, path);
  return inside !== '..' && !inside.startsWith(`..${sep}`) && !isAbsolute(inside);
}
