/**
 * What an approval binds to: besides the run and its commit, the artifacts
 * the gated stage's jobs are to receive, by producing job, path and SHA-256,
 * taken when the approver decides. A gated job about to download its
 * artifacts is refused (and fails, saying which file) unless what it would
 * receive is exactly what every approval of its stage released of the jobs
 * it needs artifacts from: nothing changed, nothing added, nothing missing (a
 * sibling in the stage needing another build is checked against its part).
 */
import { DomainError } from '../domain/errors.js';
import type { Approval, ApprovedArtifact } from '../domain/run.js';
import type { ArtifactRecord } from '../store/artifacts-repository.js';

export function approvedArtifactsOf(artifacts: ArtifactRecord[]): ApprovedArtifact[] {
  return artifacts.map((artifact) => ({ job: artifact.jobName, path: artifact.path, sha256: artifact.sha256 }));
}

/**
 * Throws FORBIDDEN naming the first difference between `about` (what the job
 * would get from the jobs named in its `needs_artifacts`, `needs`) and an
 * approval's artifacts of those jobs.
 */
export function assertAsApproved(approvals: Approval[], about: ArtifactRecord[], needs: readonly string[]): void {
  const keyOf = (artifact: { path: string }, job: string) => `${job}\u0000${artifact.path}`;
  for (const approval of approvals) {
    const approved = new Map(approval.artifacts.map((artifact) => [keyOf(artifact, artifact.job), artifact.sha256]));
    for (const artifact of about) {
      const digest = approved.get(keyOf(artifact, artifact.jobName));
      if (digest === artifact.sha256) continue;
      const what = `artifact ${artifact.path} of job "${artifact.jobName}"`;
      throw new DomainError(
        'FORBIDDEN',
        digest === undefined
          ? `${what} (sha256 ${artifact.sha256}) was not part of what ${approval.approver} approved; nothing was deployed`
          : `${what} is not what ${approval.approver} approved: approved sha256 ${digest}, about to deploy sha256 ${artifact.sha256}; nothing was deployed`,
      );
    }
    const received = new Set(about.map((artifact) => keyOf(artifact, artifact.jobName)));
    const missing = approval.artifacts.find(
      (artifact) => needs.includes(artifact.job) && !received.has(keyOf(artifact, artifact.job)),
    );
    if (missing) {
      throw new DomainError(
        'FORBIDDEN',
        `artifact ${missing.path} of job "${missing.job}" that ${approval.approver} approved is no longer there; nothing was deployed`,
      );
    }
  }
}
