/**
 * Fetches the files a job's `needs_artifacts` names into its workspace before
 * the first step, at their original relative paths, and checks each one's
 * size and SHA-256 against what the producing job committed, and gives it
 * execute permission when the producing job's file had it. A missing or
 * altered file fails with ArtifactError naming the file and both digests.
 */
import { chmod, mkdir, realpath } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
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
    const digest = await retry(() => downloadFile(file.url, target, signal), {
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
    if (file.executable) await chmod(target, 0o755);
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

/** Where a file goes: inside the workspace, even when the checkout holds a symlinked directory on its path. */
async function targetOf(root: string, path: string): Promise<string> {
  const segments = path.split('/');
  if (path.startsWith('/') || segments.some((segment) => segment === '..' || segment === '' || segment === '.')) {
    throw new ArtifactError(`artifact path "${path}" is not a relative path inside the workspace`);
  }
  const target = join(root, ...segments);
  await mkdir(dirname(target), { recursive: true });
  const parent = await realpath(dirname(target));
  const inside = relative(root, parent);
  if (inside === '..' || inside.startsWith(`..${sep}`)) {
    throw new ArtifactError(`artifact ${path} would be written outside the workspace (through ${parent})`);
  }
  return join(parent, segments.at(-1) ?? '');
}
