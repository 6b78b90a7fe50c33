// Original file: gantry/agent/v1/agent.proto

import type { Lease as _gantry_agent_v1_Lease, Lease__Output as _gantry_agent_v1_Lease__Output } from '../../../gantry/agent/v1/Lease.js';
import type { StepReport as _gantry_agent_v1_StepReport, StepReport__Output as _gantry_agent_v1_StepReport__Output } from '../../../gantry/agent/v1/StepReport.js';
import type { LogChunk as _gantry_agent_v1_LogChunk, LogChunk__Output as _gantry_agent_v1_LogChunk__Output } from '../../../gantry/agent/v1/LogChunk.js';

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
  /**
   * Log chunks not sent by StreamLogs, as StreamLogs would carry them (this
   * attempt's lease, seq and offset continuing the log), stored before the
   * attempt ends; at most 64 chunks and 1 MiB of data. Only to a controller
   * whose claim answer set accepts_finish_logs.
   */
  'logChunks'?: (_gantry_agent_v1_LogChunk)[];
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
  /**
   * Log chunks not sent by StreamLogs, as StreamLogs would carry them (this
   * attempt's lease, seq and offset continuing the log), stored before the
   * attempt ends; at most 64 chunks and 1 MiB of data. Only to a controller
   * whose claim answer set accepts_finish_logs.
   */
  'logChunks': (_gantry_agent_v1_LogChunk__Output)[];
}
