// Original file: gantry/agent/v1/agent.proto

import type { Lease as _gantry_agent_v1_Lease, Lease__Output as _gantry_agent_v1_Lease__Output } from '../../../gantry/agent/v1/Lease.js';

export interface FinishJobRequest {
  'lease'?: (_gantry_agent_v1_Lease | null);
  /**
   * "succeeded", "failed", "timed_out", "canceled".
   */
  'result'?: (string);
  'exitCode'?: (number);
  /**
   * A short human-readable reason ("step 2 exited with 1", "checkout failed: ...").
   */
  'message'?: (string);
}

export interface FinishJobRequest__Output {
  'lease': (_gantry_agent_v1_Lease__Output | null);
  /**
   * "succeeded", "failed", "timed_out", "canceled".
   */
  'result': (string);
  'exitCode': (number);
  /**
   * A short human-readable reason ("step 2 exited with 1", "checkout failed: ...").
   */
  'message': (string);
}
