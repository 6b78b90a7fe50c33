// Original file: gantry/agent/v1/agent.proto

import type { Lease as _gantry_agent_v1_Lease, Lease__Output as _gantry_agent_v1_Lease__Output } from '../../../gantry/agent/v1/Lease.js';
import type { StepReport as _gantry_agent_v1_StepReport, StepReport__Output as _gantry_agent_v1_StepReport__Output } from '../../../gantry/agent/v1/StepReport.js';

export interface ReportStepsRequest {
  'lease'?: (_gantry_agent_v1_Lease | null);
  /**
   * In the order they happened; at most 1000 entries.
   */
  'steps'?: (_gantry_agent_v1_StepReport)[];
}

export interface ReportStepsRequest__Output {
  'lease': (_gantry_agent_v1_Lease__Output | null);
  /**
   * In the order they happened; at most 1000 entries.
   */
  'steps': (_gantry_agent_v1_StepReport__Output)[];
}
