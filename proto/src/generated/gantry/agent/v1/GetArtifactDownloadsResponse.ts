// Original file: gantry/agent/v1/agent.proto

import type { ArtifactDownload as _gantry_agent_v1_ArtifactDownload, ArtifactDownload__Output as _gantry_agent_v1_ArtifactDownload__Output } from '../../../gantry/agent/v1/ArtifactDownload.js';

export interface GetArtifactDownloadsResponse {
  'downloads'?: (_gantry_agent_v1_ArtifactDownload)[];
}

export interface GetArtifactDownloadsResponse__Output {
  'downloads': (_gantry_agent_v1_ArtifactDownload__Output)[];
}
