// Original file: gantry/agent/v1/agent.proto

import type { CacheSpec as _gantry_agent_v1_CacheSpec, CacheSpec__Output as _gantry_agent_v1_CacheSpec__Output } from '../../../gantry/agent/v1/CacheSpec.js';
import type { Long } from '@grpc/proto-loader';

/**
 * What the agent needs to run an attempt.
 */
export interface JobSpec {
  'runId'?: (string);
  'jobId'?: (string);
  'attempt'?: (number);
  'name'?: (string);
  'stage'?: (string);
  /**
   * A git URL or a local path the agent host can read.
   */
  'repoUrl'?: (string);
  'ref'?: (string);
  'sha'?: (string);
  'steps'?: (string)[];
  'env'?: ({[key: string]: string});
  /**
   * Whole-job timeout; 0 = none.
   */
  'timeoutMs'?: (number | string | Long);
  /**
   * Per-step timeouts, parallel to `steps`; 0 = none. May be shorter than
   * `steps` (missing entries = none).
   */
  'stepTimeoutsMs'?: (number | string | Long)[];
  /**
   * Globs of files to keep, relative to the workspace.
   */
  'artifacts'?: (string)[];
  /**
   * "on_success" (keep only when every step succeeded) or "always".
   */
  'artifactsWhen'?: (string);
  /**
   * Names of earlier jobs whose artifacts are downloaded before the first step.
   */
  'needsArtifacts'?: (string)[];
  /**
   * The run's pipeline name (GANTRY_PIPELINE).
   */
  'pipeline'?: (string);
  /**
   * The branch or the tag the run was triggered on (GANTRY_BRANCH or
   * GANTRY_TAG); at most one is set. `ref` is the ref in full when git could
   * name it (refs/heads/main).
   */
  'branch'?: (string);
  'tag'?: (string);
  /**
   * `cache:` of the job (or of its pipeline): restored before the first step,
   * saved after the last.
   */
  'caches'?: (_gantry_agent_v1_CacheSpec)[];
  /**
   * Globs of JUnit XML reports (`reports.junit`), relative to the workspace.
   * The files matching them are uploaded with the artifacts whatever the
   * result (not when canceled) and named in CommitArtifactsRequest.junit_reports.
   */
  'junitReports'?: (string)[];
}

/**
 * What the agent needs to run an attempt.
 */
export interface JobSpec__Output {
  'runId': (string);
  'jobId': (string);
  'attempt': (number);
  'name': (string);
  'stage': (string);
  /**
   * A git URL or a local path the agent host can read.
   */
  'repoUrl': (string);
  'ref': (string);
  'sha': (string);
  'steps': (string)[];
  'env': ({[key: string]: string});
  /**
   * Whole-job timeout; 0 = none.
   */
  'timeoutMs': (number);
  /**
   * Per-step timeouts, parallel to `steps`; 0 = none. May be shorter than
   * `steps` (missing entries = none).
   */
  'stepTimeoutsMs': (number)[];
  /**
   * Globs of files to keep, relative to the workspace.
   */
  'artifacts': (string)[];
  /**
   * "on_success" (keep only when every step succeeded) or "always".
   */
  'artifactsWhen': (string);
  /**
   * Names of earlier jobs whose artifacts are downloaded before the first step.
   */
  'needsArtifacts': (string)[];
  /**
   * The run's pipeline name (GANTRY_PIPELINE).
   */
  'pipeline': (string);
  /**
   * The branch or the tag the run was triggered on (GANTRY_BRANCH or
   * GANTRY_TAG); at most one is set. `ref` is the ref in full when git could
   * name it (refs/heads/main).
   */
  'branch': (string);
  'tag': (string);
  /**
   * `cache:` of the job (or of its pipeline): restored before the first step,
   * saved after the last.
   */
  'caches': (_gantry_agent_v1_CacheSpec__Output)[];
  /**
   * Globs of JUnit XML reports (`reports.junit`), relative to the workspace.
   * The files matching them are uploaded with the artifacts whatever the
   * result (not when canceled) and named in CommitArtifactsRequest.junit_reports.
   */
  'junitReports': (string)[];
}
