// Original file: gantry/agent/v1/agent.proto

import type { ClaimJobRequest as _gantry_agent_v1_ClaimJobRequest, ClaimJobRequest__Output as _gantry_agent_v1_ClaimJobRequest__Output } from '../../../gantry/agent/v1/ClaimJobRequest.js';
import type { FinishJobRequest as _gantry_agent_v1_FinishJobRequest, FinishJobRequest__Output as _gantry_agent_v1_FinishJobRequest__Output } from '../../../gantry/agent/v1/FinishJobRequest.js';
import type { ReportStepsRequest as _gantry_agent_v1_ReportStepsRequest, ReportStepsRequest__Output as _gantry_agent_v1_ReportStepsRequest__Output } from '../../../gantry/agent/v1/ReportStepsRequest.js';
import type { Long } from '@grpc/proto-loader';

export interface WorkRequest {
  /**
   * Chosen by the agent, unique among its unanswered requests on this call.
   */
  'id'?: (number | string | Long);
  'claimJob'?: (_gantry_agent_v1_ClaimJobRequest | null);
  'finishJob'?: (_gantry_agent_v1_FinishJobRequest | null);
  /**
   * A controller that predates it answers INVALID_ARGUMENT: use the unary call.
   */
  'reportSteps'?: (_gantry_agent_v1_ReportStepsRequest | null);
  'call'?: "claimJob"|"finishJob"|"reportSteps";
}

export interface WorkRequest__Output {
  /**
   * Chosen by the agent, unique among its unanswered requests on this call.
   */
  'id': (number);
  'claimJob'?: (_gantry_agent_v1_ClaimJobRequest__Output | null);
  'finishJob'?: (_gantry_agent_v1_FinishJobRequest__Output | null);
  /**
   * A controller that predates it answers INVALID_ARGUMENT: use the unary call.
   */
  'reportSteps'?: (_gantry_agent_v1_ReportStepsRequest__Output | null);
  'call'?: "claimJob"|"finishJob"|"reportSteps";
}
