/**
 * The pipeline model: what `.gantry.yml` means once parsed, validated and
 * expanded (matrix jobs are separate jobs here). Produced by `parsePipeline`,
 * consumed by the scheduler when it plans a run. Plain data, no behaviour.
 */

/** A whole pipeline: stages run in order, jobs inside a stage in parallel. */
export interface PipelineDefinition {
  name: string;
  /** Pipeline-wide environment, already merged into every job's `env`. */
  env: Record<string, string>;
  /** Which pushes start a run (`on: { push: … }`); null: every branch, no tag. */
  on: PushFilter | null;
  stages: StageDefinition[];
}

/** `on.push`: a null list does not filter by that part (see the README for the rules). */
export interface PushFilter {
  branches: string[] | null;
  tags: string[] | null;
  paths: string[] | null;
}

/** A stage's `if:`: it runs only on a branch matching `branches` or a tag matching `tags` (globs). */
export interface StageCondition {
  branches: string[] | null;
  tags: string[] | null;
}

export interface StageDefinition {
  name: string;
  /** Deployment environment this stage targets ("staging", "production"), if any. */
  environment: string | null;
  /** A gate before the stage; null = the stage starts as soon as the previous one succeeds. */
  approval: ApprovalPolicy | null;
  /** Concurrency group: at most one running stage in this group at a time, oldest first. */
  concurrency: string | null;
  /** On a gated stage: a newer run of the same pipeline reaching the gate ends older runs waiting there `superseded`. */
  supersede: boolean;
  /** `if:`; null: the stage always runs. */
  condition: StageCondition | null;
  jobs: JobDefinition[];
  /** Set at planning when the stage's `if:` does not hold for the run's ref: why it is skipped. */
  skipReason?: string;
}

export interface ApprovalPolicy {
  /** Token names or `role:NAME`. Empty = anyone holding the `approve` role. */
  approvers: string[];
  /** How many distinct approvers must approve. */
  required: number;
  allowSelfApproval: boolean;
  /** After this the stage is rejected; null = wait forever. */
  timeoutMs: number | null;
  /** Set at planning when the stage's environment is protected (not written in `.gantry.yml`). */
  protection?: GateProtection;
}

/** What a protected environment adds to a gate. */
export interface GateProtection {
  environment: string;
  /** The caller must match these as well as `approvers` (when listed). */
  approvers: string[];
  /** Why the stage may not run at all (its ref is not an allowed branch); null when it may. */
  refusal: string | null;
}

export interface RetryPolicy {
  /** Retries when the agent was lost mid-job. */
  lost: number;
  /** Retries when the job failed (non-zero exit, timeout). */
  failed: number;
}

/** `cache: { policy }`: restore and save, restore only, or save only. */
export type CachePolicy = 'pull-push' | 'pull' | 'push';
/** `cache: { when }`: save only after the steps succeeded (default), or whatever the result. */
export type CacheWhen = 'on_success' | 'always';

/** One `cache:` entry of a job (its own or the pipeline's). */
export interface CacheDefinition {
  /** The key is `<prefix>-<SHA-256 of the paths and of these files' contents>`, computed on the agent. */
  key: { files: string[]; prefix: string | null };
  /** Workspace-relative paths, or `~/…` under the job's home. */
  paths: string[];
  policy: CachePolicy;
  when: CacheWhen;
  /** Key prefixes restored (newest first) when the exact key has never been saved. */
  fallbackKeys: string[];
}

/** `artifacts_when:` of a job. */
export type ArtifactsWhen = 'on_success' | 'always';

export interface JobDefinition {
  /**
   * Unique within its stage; another stage may reuse it (the README example has a
   * `deploy` job in both staging and production). Matrix jobs are named `api (node=20)`.
   */
  name: string;
  /** The agent queue; "default" unless given. Matches /^[A-Za-z0-9_-]+$/. */
  queue: string;
  /** Shell steps, each run with `bash -eo pipefail -c`; `${{ matrix.x }}` already substituted. */
  steps: string[];
  /** Per-step timeouts, parallel to `steps` (`{ run, timeout }` steps); null = none. */
  stepTimeoutsMs: (number | null)[];
  /** Pipeline env, then stage env, then job env, then matrix values as MATRIX_<KEY> (later wins). */
  env: Record<string, string>;
  /** Whole-job timeout; null = none. */
  timeoutMs: number | null;
  retry: RetryPolicy;
  /** Globs of files to keep as artifacts, relative to the workspace. */
  artifacts: string[];
  /** Whether artifacts are kept only after the steps succeeded (default) or whatever the result. */
  artifactsWhen: ArtifactsWhen;
  /**
   * Names of jobs in earlier stages whose artifacts this job downloads. Each
   * name occurs in exactly one stage before this job's (the parser checks).
   */
  needsArtifacts: string[];
  /**
   * Names of the secrets the job is granted: each value is handed to the
   * agent with a granted claim only, as the environment variable of its name.
   * Absent when it names none (and on jobs planned before secrets existed).
   */
  secrets?: string[];
  /** The matrix cell this job was expanded from, if any. */
  matrix: Record<string, string> | null;
  /** The job's `cache:`, or the pipeline's when the job has none. */
  caches: CacheDefinition[];
  /** Files the controller reads after the job, whatever its result (`reports:`). */
  reports: JobReports;
}

/** `reports:` of a job: globs relative to the workspace, per report format. */
export interface JobReports {
  /** JUnit XML files (Jest, Vitest, pytest, gotestsum, Maven Surefire, Playwright…). */
  junit: string[];
}

/** One problem found in a pipeline file, with where it is. */
export interface PipelineProblem {
  /** e.g. `stages[1].jobs[0].steps` */
  path: string;
  /** 1-based; 0 when the problem has no position (empty file). */
  line: number;
  column: number;
  message: string;
}
