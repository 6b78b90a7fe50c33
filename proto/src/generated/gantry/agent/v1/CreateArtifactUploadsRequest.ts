// Original file: gantry/agent/v1/agent.proto

import type { Lease as _gantry_agent_v1_Lease, Lease__Output as _gantry_agent_v1_Lease__Output } from '../../../gantry/agent/v1/Lease.js';

export interface CreateArtifactUploadsRequest {
  'lease'?: (_gantry_agent_v1_Lease | null);
  /**
   * Workspace-relative, normalised, `/`-separated; at most 1000 per call.
   */
  'paths'?: (string)[];
}

export interface CreateArtifactUploadsRequest__Output {
  'lease': (_gantry_agent_v1_Lease__Output | null);
  /**
   * Workspace-relative, normalised, `/`-separated; at most 1000 per call.
   */
  'paths': (string)[];
}
