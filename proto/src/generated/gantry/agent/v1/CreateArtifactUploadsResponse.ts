// Original file: gantry/agent/v1/agent.proto

import type { ArtifactUpload as _gantry_agent_v1_ArtifactUpload, ArtifactUpload__Output as _gantry_agent_v1_ArtifactUpload__Output } from '../../../gantry/agent/v1/ArtifactUpload.js';

export interface CreateArtifactUploadsResponse {
  /**
   * Parallel to the request's paths.
   */
  'uploads'?: (_gantry_agent_v1_ArtifactUpload)[];
}

export interface CreateArtifactUploadsResponse__Output {
  /**
   * Parallel to the request's paths.
   */
  'uploads': (_gantry_agent_v1_ArtifactUpload__Output)[];
}
