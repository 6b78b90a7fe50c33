// Original file: gantry/agent/v1/agent.proto

import type { Lease as _gantry_agent_v1_Lease, Lease__Output as _gantry_agent_v1_Lease__Output } from '../../../gantry/agent/v1/Lease.js';

export interface GetCacheDownloadRequest {
  'lease'?: (_gantry_agent_v1_Lease | null);
  /**
   * The exact key first, then fallback key prefixes; at most 16.
   */
  'keys'?: (string)[];
}

export interface GetCacheDownloadRequest__Output {
  'lease': (_gantry_agent_v1_Lease__Output | null);
  /**
   * The exact key first, then fallback key prefixes; at most 16.
   */
  'keys': (string)[];
}
