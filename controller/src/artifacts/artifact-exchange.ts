/**
 * What agents do with artifacts, fenced by the lease like every other agent
 * call: ask for presigned upload URLs for exact keys of their attempt, commit
 * the uploaded list, and ask for download URLs of the files their job needs.
 * Called by the gRPC service; throws StaleLeaseError (FAILED_PRECONDITION) or
 * DomainError INVALID_INPUT (INVALID_ARGUMENT).
 */

import { DomainError, StaleLeaseError } from '../domain/errors.js';
import { approvalsOfJobStage } from '../store/approvals-repository.js';
import {
  type ArtifactFileInput,
  type ArtifactRecord,
  artifactNeedsOf,
  commitArtifactsFenced,
  neededArtifacts,
  runOfHeldLease,
} from '../store/artifacts-repository.js';
import type { Database } from '../store/database.js';
import type { LeaseKey } from '../store/leases-repository.js';
import { assertAsApproved } from './approved-artifacts.js';
import { artifactKey, artifactPathProblem } from './artifact-keys.js';
import { type ArtifactStore, PRESIGNED_URL_TTL_SECONDS } from './artifact-store.js';

/** Paths in one CreateArtifactUploads call. */
export const MAX_UPLOADS_PER_CALL = 1000;
/** Files one attempt may commit. */
export const MAX_ARTIFACTS_PER_ATTEMPT = 10_000;
const SHA256_HEX = /^[0-9a-f]{64}$/;

export class ArtifactExchange {
  constructor(private readonly deps: { db: Database; store: ArtifactStore }) {}

  /** One presigned PUT URL per path, in order, each bound to this attempt's key for the path. */
  async createUploads(lease: LeaseKey, paths: string[]): Promise<{ path: string; url: string }[]> {
    if (paths.length > MAX_UPLOADS_PER_CALL) {
      throw new DomainError('INVALID_INPUT', `at most ${MAX_UPLOADS_PER_CALL} paths per call (got ${paths.length})`);
    }
    for (const path of paths) checkPath(path);
    const runId = await runOfHeldLease(this.deps.db, lease);
    if (runId === null) throw new StaleLeaseError(lease.jobId, lease.attempt);
    return Promise.all(
      paths.map(async (path) => ({
        path,
        url: await this.deps.store.presignUpload(
          artifactKey(runId, lease.jobId, lease.attempt, path),
          PRESIGNED_URL_TTL_SECONDS,
        ),
      })),
    );
  }

  /** Makes the attempt's uploaded files visible, all at once, while the lease holds. Returns how many it has. */
  async commit(lease: LeaseKey, files: ArtifactFileInput[]): Promise<number> {
    if (files.length > MAX_ARTIFACTS_PER_ATTEMPT) {
      throw new DomainError('INVALID_INPUT', `at most ${MAX_ARTIFACTS_PER_ATTEMPT} artifacts per attempt`);
    }
    const seen = new Set<string>();
    for (const file of files) {
      checkPath(file.path);
      if (seen.has(file.path)) throw new DomainError('INVALID_INPUT', `artifact "${file.path}" is listed twice`);
      seen.add(file.path);
      if (!SHA256_HEX.test(file.sha256)) {
        throw new DomainError('INVALID_INPUT', `artifact "${file.path}" has no hex SHA-256 ("${file.sha256}")`);
      }
      if (!Number.isSafeInteger(file.size) || file.size < 0) {
        throw new DomainError('INVALID_INPUT', `artifact "${file.path}" has an invalid size ${file.size}`);
      }
    }
    const committed = await commitArtifactsFenced(this.deps.db, lease, files);
    if (committed === null) throw new StaleLeaseError(lease.jobId, lease.attempt);
    return committed;
  }

  /** The files the attempt's job needs, each with a presigned GET URL. */
  async downloads(lease: LeaseKey): Promise<(ArtifactRecord & { url: string })[]> {
    if ((await runOfHeldLease(this.deps.db, lease)) === null) throw new StaleLeaseError(lease.jobId, lease.attempt);
    const needed = await neededArtifacts(this.deps.db, lease.jobId);
    // A gated job deploys only the bytes its stage's approvers released.
    const approvals = await approvalsOfJobStage(this.deps.db, lease.jobId);
    if (approvals.length > 0) assertAsApproved(approvals, needed, await artifactNeedsOf(this.deps.db, lease.jobId));
    return Promise.all(needed.map(async (artifact) => ({ ...artifact, url: await this.downloadUrl(artifact) })));
  }

  /** A short-lived GET URL of one committed file. */
  downloadUrl(artifact: ArtifactRecord, expiresInSeconds = PRESIGNED_URL_TTL_SECONDS): Promise<string> {
    const key = artifactKey(artifact.runId, artifact.jobId, artifact.attempt, artifact.path);
    return this.deps.store.presignDownload(key, expiresInSeconds);
  }
}

function checkPath(path: string): void {
  const problem = artifactPathProblem(path);
  if (problem !== null) throw new DomainError('INVALID_INPUT', problem);
}
