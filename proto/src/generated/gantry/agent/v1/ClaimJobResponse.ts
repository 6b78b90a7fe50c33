// Original file: gantry/agent/v1/agent.proto

import type { JobSpec as _gantry_agent_v1_JobSpec, JobSpec__Output as _gantry_agent_v1_JobSpec__Output } from '../../../gantry/agent/v1/JobSpec.js';

export interface ClaimJobResponse {
  'granted'?: (boolean);
  /**
   * Why a claim was denied: "taken", "stale_attempt", "canceled", "unknown_job",
   * "spec_too_large" (the attempt has failed saying so; term the message).
   */
  'reason'?: (string);
  'leaseToken'?: (string);
  'job'?: (_gantry_agent_v1_JobSpec | null);
}

export interface ClaimJobResponse__Output {
  'granted': (boolean);
  /**
   * Why a claim was denied: "taken", "stale_attempt", "canceled", "unknown_job",
   * "spec_too_large" (the attempt has failed saying so; term the message).
   */
  'reason': (string);
  'leaseToken': (string);
  'job': (_gantry_agent_v1_JobSpec__Output | null);
}
