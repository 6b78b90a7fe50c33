// Original file: gantry/agent/v1/agent.proto

import type { ClaimJobResponse as _gantry_agent_v1_ClaimJobResponse, ClaimJobResponse__Output as _gantry_agent_v1_ClaimJobResponse__Output } from '../../../gantry/agent/v1/ClaimJobResponse.js';
import type { FinishJobResponse as _gantry_agent_v1_FinishJobResponse, FinishJobResponse__Output as _gantry_agent_v1_FinishJobResponse__Output } from '../../../gantry/agent/v1/FinishJobResponse.js';
import type { WorkError as _gantry_agent_v1_WorkError, WorkError__Output as _gantry_agent_v1_WorkError__Output } from '../../../gantry/agent/v1/WorkError.js';
import type { ReportStepsResponse as _gantry_agent_v1_ReportStepsResponse, ReportStepsResponse__Output as _gantry_agent_v1_ReportStepsResponse__Output } from '../../../gantry/agent/v1/ReportStepsResponse.js';
import type { Long } from '@grpc/proto-loader';

export interface WorkReply {
  /**
   * The id of the request this answers.
   */
  'id'?: (number | string | Long);
  'claimJob'?: (_gantry_agent_v1_ClaimJobResponse | null);
  'finishJob'?: (_gantry_agent_v1_FinishJobResponse | null);
  /**
   * The request failed: the status the unary call would have ended with.
   */
  'error'?: (_gantry_agent_v1_WorkError | null);
  'reportSteps'?: (_gantry_agent_v1_ReportStepsResponse | null);
  'answer'?: "claimJob"|"finishJob"|"error"|"reportSteps";
}

export interface WorkReply__Output {
  /**
   * The id of the request this answers.
   */
  'id': (number);
  'claimJob'?: (_gantry_agent_v1_ClaimJobResponse__Output | null);
  'finishJob'?: (_gantry_agent_v1_FinishJobResponse__Output | null);
  /**
   * The request failed: the status the unary call would have ended with.
   */
  'error'?: (_gantry_agent_v1_WorkError__Output | null);
  'reportSteps'?: (_gantry_agent_v1_ReportStepsResponse__Output | null);
  'answer'?: "claimJob"|"finishJob"|"error"|"reportSteps";
}
