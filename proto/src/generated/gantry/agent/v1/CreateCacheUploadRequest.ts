// Original file: gantry/agent/v1/agent.proto

import type { Lease as _gantry_agent_v1_Lease, Lease__Output as _gantry_agent_v1_Lease__Output } from '../../../gantry/agent/v1/Lease.js';

export interface CreateCacheUploadRequest {
  'lease'?: (_gantry_agent_v1_Lease | null);
  'key'?: (string);
}

export interface CreateCacheUploadRequest__Output {
  'lease': (_gantry_agent_v1_Lease__Output | null);
  'key': (string);
}
