// Original file: gantry/agent/v1/agent.proto

import type { Lease as _gantry_agent_v1_Lease, Lease__Output as _gantry_agent_v1_Lease__Output } from '../../../gantry/agent/v1/Lease.js';
import type { CacheReport as _gantry_agent_v1_CacheReport, CacheReport__Output as _gantry_agent_v1_CacheReport__Output } from '../../../gantry/agent/v1/CacheReport.js';

export interface ReportCachesRequest {
  'lease'?: (_gantry_agent_v1_Lease | null);
  /**
   * At most 8.
   */
  'caches'?: (_gantry_agent_v1_CacheReport)[];
}

export interface ReportCachesRequest__Output {
  'lease': (_gantry_agent_v1_Lease__Output | null);
  /**
   * At most 8.
   */
  'caches': (_gantry_agent_v1_CacheReport__Output)[];
}
