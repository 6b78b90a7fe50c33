/** Domain types the store returns and the API shows; not database rows. */
import type { ApprovalPolicy, JobDefinition } from '../pipeline/model.js';
import type { AttemptStatus, JobStatus, RunStatus, StageStatus } from './states.js';

export interface Run {
  id: string;
  repo: string;
  ref: string;
  /** `ref` as git names it in full (`refs/heads/main`, `refs/tags/v1`); null when it names no branch or tag. */
  fullRef: string | null;
  /** Resolved commit; null until the pipeline file was read. */
  sha: string | null;
  status: RunStatus;
  pipelineName: string | null;
  /** Why the run failed before any job ran (bad pipeline file, unknown ref). */
  error: string | null;
  triggeredBy: string;
  /** The commit's author and committer e-mails; null until planned. */
  authorEmail: string | null;
  committerEmail: string | null;
  /** The commit's author name and subject line; null until planned. */
  authorName: string | null;
  commitSubject: string | null;
  cancelRequested: boolean;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface Stage {
  id: string;
  runId: string;
  position: number;
  name: string;
  status: StageStatus;
  environment: string | null;
  approval: ApprovalPolicy | null;
  /** When it began awaiting approval; null if it never did. */
  approvalRequestedAt: Date | null;
  /** Its concurrency group, if any. */
  concurrency: string | null;
  supersede: boolean;
  /** Why the stage was skipped when its run was planned (its `if:` did not hold). */
  skipReason: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface Job {
  id: string;
  runId: string;
  stageId: string;
  position: number;
  name: string;
  queue: string;
  status: JobStatus;
  attempt: number;
  spec: JobDefinition;
  agentId: string | null;
  /** A cancel was requested while the job ran; its agent is being told to stop. */
  cancelRequested: boolean;
  exitCode: number | null;
  message: string | null;
  queuedAt: Date | null;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface JobAttempt {
  attempt: number;
  status: AttemptStatus;
  agentId: string;
  exitCode: number | null;
  message: string | null;
  startedAt: Date;
  finishedAt: Date | null;
}

export interface Approval {
  id: string;
  decision: 'approved' | 'rejected';
  approver: string;
  comment: string | null;
  /** The commit approved. */
  sha: string;
  /** The artifacts (by producing job and path) the gated stage was to receive, with their digests. */
  artifacts: ApprovedArtifact[];
  createdAt: Date;
}

/** One file an approval released: the gated jobs refuse to start on any other bytes. */
export interface ApprovedArtifact {
  job: string;
  path: string;
  sha256: string;
}

export interface JobDetail extends Job {
  attempts: JobAttempt[];
}

/** Which run's stage holds a concurrency group. */
export interface ConcurrencyHolder {
  runId: string;
  stage: string;
}

export interface StageDetail extends Stage {
  jobs: JobDetail[];
  approvals: Approval[];
  /** While the stage waits for its concurrency group: the stage holding it (null if it is free for a moment). */
  waitingFor: ConcurrencyHolder | null;
}

export interface RunDetail extends Run {
  stages: StageDetail[];
}
