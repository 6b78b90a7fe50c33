// Original file: gantry/agent/v1/agent.proto

import type { Lease as _gantry_agent_v1_Lease, Lease__Output as _gantry_agent_v1_Lease__Output } from '../../../gantry/agent/v1/Lease.js';
import type { ArtifactFile as _gantry_agent_v1_ArtifactFile, ArtifactFile__Output as _gantry_agent_v1_ArtifactFile__Output } from '../../../gantry/agent/v1/ArtifactFile.js';

export interface CommitArtifactsRequest {
  'lease'?: (_gantry_agent_v1_Lease | null);
  /**
   * Every file of the attempt, uploaded; at most 10000.
   */
  'files'?: (_gantry_agent_v1_ArtifactFile)[];
  /**
   * The paths among `files` that are JUnit XML reports: the controller reads
   * them as part of the commit (once per attempt and path).
   */
  'junitReports'?: (string)[];
}

export interface CommitArtifactsRequest__Output {
  'lease': (_gantry_agent_v1_Lease__Output | null);
  /**
   * Every file of the attempt, uploaded; at most 10000.
   */
  'files': (_gantry_agent_v1_ArtifactFile__Output)[];
  /**
   * The paths among `files` that are JUnit XML reports: the controller reads
   * them as part of the commit (once per attempt and path).
   */
  'junitReports': (string)[];
}
