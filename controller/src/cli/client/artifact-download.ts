/**
 * Fetches one artifact from its short-lived URL into a directory, streaming
 * through SHA-256, and keeps it only when the digest and size match what the
 * run recorded (else the partial file is removed and the command fails).
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { Artifact } from '@gantry/client';

/** The artifact does not match the digest the run recorded, or could not be fetched. */
export class ArtifactDownloadError extends Error {
  override readonly name = 'ArtifactDownloadError';
  readonly code = 'ARTIFACT_DOWNLOAD_FAILED';
}

/** Each job's latest committed attempt only; two jobs keeping one path is refused (the files would overwrite). */
export function latestOfEachJob(artifacts: readonly Artifact[]): Artifact[] {
  const latest = new Map<string, number>();
  for (const artifact of artifacts)
    latest.set(artifact.jobId, Math.max(latest.get(artifact.jobId) ?? 0, artifact.attempt));
  const chosen = artifacts.filter((artifact) => artifact.attempt === latest.get(artifact.jobId));
  const byPath = new Map<string, Artifact>();
  for (const artifact of chosen) {
    const other = byPath.get(artifact.path);
    if (other) {
      throw new ArtifactDownloadError(
        `${artifact.path} is kept by both job "${other.jobName}" and job "${artifact.jobName}"; download them one at a time with --json and curl`,
      );
    }
    byPath.set(artifact.path, artifact);
  }
  return chosen;
}

/** Downloads `artifact` from `url` into `directory`; returns the file's path once verified. */
export async function downloadVerified(
  url: string,
  directory: string,
  artifact: Artifact,
  signal?: AbortSignal,
): Promise<string> {
  const segments = artifact.path.split('/');
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) {
    throw new ArtifactDownloadError(`artifact path "${artifact.path}" is not a relative path`);
  }
  const target = join(resolve(directory), ...segments);
  await mkdir(dirname(target), { recursive: true });
  const partial = `${target}.partial`;
  // No API token here: the URL is a presigned URL of the store.
  const response = await fetch(url, signal ? { signal } : {});
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw new ArtifactDownloadError(`cannot download ${artifact.path}: the store answered ${response.status}`);
  }
  const hash = createHash('sha256');
  let size = 0;
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  try {
    await pipeline(
      Readable.fromWeb(response.body as WebReadableStream<Uint8Array>),
      hashing,
      createWriteStream(partial),
    );
    const sha256 = hash.digest('hex');
    if (sha256 !== artifact.sha256 || size !== artifact.size) {
      throw new ArtifactDownloadError(
        `${artifact.path} does not match: expected sha256 ${artifact.sha256} (${artifact.size} bytes), got sha256 ${sha256} (${size} bytes)`,
      );
    }
    if (artifact.executable) await chmod(partial, 0o755);
    await rename(partial, target);
    return target;
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}
