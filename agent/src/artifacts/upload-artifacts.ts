/**
 * Keeps a job's artifacts: asks the controller for a presigned PUT URL per
 * file, uploads each straight to the store while computing its SHA-256 and
 * size, then commits the list (the files become visible only then). Transient
 * failures are retried with back-off; a permanent one, or more bytes than the
 * job's cap, fails with ArtifactError quoting the reason. A stale lease
 * surfaces as the controller's FAILED_PRECONDITION error.
 */
import { retry } from '@gantry/common';
import type { ArtifactFile } from '@gantry/proto';
import { type ControllerClient, isTransientCallError, type Lease } from '../controller-client.js';
import { ArtifactError } from './artifact-error.js';
import type { CollectedFile } from './collect-artifacts.js';
import { isTransientTransferError, uploadFile } from './object-transfer.js';
import { forEachConcurrently } from './transfer-pool.js';

/** Paths per CreateArtifactUploads call (the controller's limit). */
const urlsPerCall = 1000;
const concurrentUploads = 4;
export const transferRetry = { initialDelayMs: 200, maxDelayMs: 5_000, maxAttempts: 6 };

export interface UploadArtifactsOptions {
  controller: ControllerClient;
  lease: Lease;
  files: readonly CollectedFile[];
  /** GANTRY_ARTIFACT_MAX_BYTES. */
  maxBytes: number;
  /** The paths among `files` that are JUnit reports (the controller reads them at the commit). */
  junitReports?: readonly string[];
  signal?: AbortSignal;
  /** A line for the job log (each file with its size and digest). */
  print: (line: string) => void;
}

export async function uploadArtifacts(options: UploadArtifactsOptions): Promise<ArtifactFile[]> {
  const { controller, lease, files, signal, print } = options;
  const total = files.reduce((sum, file) => sum + file.size, 0);
  if (total > options.maxBytes) {
    throw new ArtifactError(
      `artifacts are ${total} bytes in ${files.length} files, over the limit of ${options.maxBytes} bytes (GANTRY_ARTIFACT_MAX_BYTES)`,
    );
  }
  const controllerCall = <T>(invoke: () => Promise<T>) =>
    retry(invoke, { ...transferRetry, signal, shouldRetry: isTransientCallError });
  const committed: ArtifactFile[] = [];
  for (let start = 0; start < files.length; start += urlsPerCall) {
    const batch = files.slice(start, start + urlsPerCall);
    const uploads = await controllerCall(() =>
      controller.createArtifactUploads(
        lease,
        batch.map((file) => file.path),
      ),
    );
    await forEachConcurrently(
      batch.map((file, index) => ({ file, url: uploads[index]?.url ?? '' })),
      concurrentUploads,
      async ({ file, url }) => {
        const digest = await retry(
          () => uploadFile(url, file.absolutePath, file.size, { signal, expected: file.identity }),
          {
            ...transferRetry,
            signal,
            shouldRetry: isTransientTransferError,
          },
        ).catch((error: Error) => {
          throw new ArtifactError(`cannot upload artifact ${file.path}: ${error.message}`, { cause: error });
        });
        print(`artifact ${file.path}: ${digest.size} bytes, sha256 ${digest.sha256}`);
        committed.push({ path: file.path, size: digest.size, sha256: digest.sha256, executable: file.executable });
      },
    );
  }
  committed.sort((a, b) => ((a.path ?? '') < (b.path ?? '') ? -1 : 1));
  const reports = [...(options.junitReports ?? [])];
  const { reportNotes } = await controllerCall(() => controller.commitArtifacts(lease, committed, reports));
  for (const note of reportNotes) print(note);
  return committed;
}
