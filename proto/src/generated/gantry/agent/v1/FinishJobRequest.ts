// Original file: gantry/agent/v1/agent.proto

import type { Lease as _gantry_agent_v1_Lease, Lease__Output as _gantry_agent_v1_Lease__Output } from '../../../gantry/agent/v1/Lease.js';
import type { StepReport as _gantry_agent_v1_StepReport, StepReport__Output as _gantry_agent_v1_StepReport__Output } from '../../../gantry/agent/v1/StepReport.js';

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
  /**
   * Step reports not sent by ReportSteps yet, in order, recorded before the
   * attempt ends (as a ReportSteps call would); at most 1000 entries. Only to
   * a controller whose claim answer set accepts_finish_steps.
   */
  'steps'?: (_gantry_agent_v1_StepReport)[];
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
  /**
   * Step reports not sent by ReportSteps yet, in order, recorded before the
   * attempt ends (as a ReportSteps call would); at most 1000 entries. Only to
   * a controller whose claim answer set accepts_finish_steps.
   */
  'steps': (_gantry_agent_v1_StepReport__Output)[];
}
