// Original file: gantry/agent/v1/agent.proto

import type { Lease as _gantry_agent_v1_Lease, Lease__Output as _gantry_agent_v1_Lease__Output } from '../../../gantry/agent/v1/Lease.js';
import type { Long } from '@grpc/proto-loader';

export interface ReportStepRequest {
  'lease'?: (_gantry_agent_v1_Lease | null);
  'stepIndex'?: (number);
  /**
   * "running", "succeeded", "failed", "timed_out", "canceled".
   */
  'state'?: (string);
  'exitCode'?: (number);
  'atMs'?: (number | string | Long);
}

export interface ReportStepRequest__Output {
  'lease': (_gantry_agent_v1_Lease__Output | null);
  'stepIndex': (number);
  /**
   * "running", "succeeded", "failed", "timed_out", "canceled".
   */
  'state': (string);
  'exitCode': (number);
  'atMs': (number);
}
