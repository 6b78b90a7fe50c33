// Original file: gantry/agent/v1/agent.proto

import type { JobSpec as _gantry_agent_v1_JobSpec, JobSpec__Output as _gantry_agent_v1_JobSpec__Output } from '../../../gantry/agent/v1/JobSpec.js';
import type { Long } from '@grpc/proto-loader';

export interface ClaimJobResponse {
  'granted'?: (boolean);
  /**
   * Why a claim was denied: "taken", "stale_attempt", "canceled", "unknown_job",
   * "spec_too_large" (the attempt has failed saying so; term the message);
   * "draining": this agent was asked to drain (nak the message for another
   * agent, and drain).
   */
  'reason'?: (string);
  'leaseToken'?: (string);
  'job'?: (_gantry_agent_v1_JobSpec | null);
  /**
   * The most output the controller stores for this attempt; 0 = no cap. The
   * agent sends output up to byte offset max_log_bytes inclusive (that one
   * byte past the cap tells the controller there was more, and the stored log
   * then ends with a line saying it was cut) and drops the rest. The job goes
   * on either way.
   */
  'maxLogBytes'?: (number | string | Long);
  /**
   * The job's granted secrets, name → value (only in a granted answer). The
   * agent sets each as an environment variable of the steps and masks every
   * value in the log before it leaves the host; it never logs or stores them.
   * A job naming a secret that is not set is denied with reason
   * "secret_missing" (the attempt has failed naming it; term the message).
   */
  'secrets'?: ({[key: string]: string});
  /**
   * The controller stores log chunks sent compressed (LogChunk.plain_bytes).
   */
  'acceptsGzipChunks'?: (boolean);
  /**
   * The controller records FinishJobRequest.steps: the agent may send its
   * last step reports with FinishJob instead of a ReportSteps call of their own.
   */
  'acceptsFinishSteps'?: (boolean);
  /**
   * The controller stores FinishJobRequest.log_chunks: a short job may send
   * its whole log with FinishJob instead of opening a StreamLogs call.
   */
  'acceptsFinishLogs'?: (boolean);
}

export interface ClaimJobResponse__Output {
  'granted': (boolean);
  /**
   * Why a claim was denied: "taken", "stale_attempt", "canceled", "unknown_job",
   * "spec_too_large" (the attempt has failed saying so; term the message);
   * "draining": this agent was asked to drain (nak the message for another
   * agent, and drain).
   */
  'reason': (string);
  'leaseToken': (string);
  'job': (_gantry_agent_v1_JobSpec__Output | null);
  /**
   * The most output the controller stores for this attempt; 0 = no cap. The
   * agent sends output up to byte offset max_log_bytes inclusive (that one
   * byte past the cap tells the controller there was more, and the stored log
   * then ends with a line saying it was cut) and drops the rest. The job goes
   * on either way.
   */
  'maxLogBytes': (number);
  /**
   * The job's granted secrets, name → value (only in a granted answer). The
   * agent sets each as an environment variable of the steps and masks every
   * value in the log before it leaves the host; it never logs or stores them.
   * A job naming a secret that is not set is denied with reason
   * "secret_missing" (the attempt has failed naming it; term the message).
   */
  'secrets': ({[key: string]: string});
  /**
   * The controller stores log chunks sent compressed (LogChunk.plain_bytes).
   */
  'acceptsGzipChunks': (boolean);
  /**
   * The controller records FinishJobRequest.steps: the agent may send its
   * last step reports with FinishJob instead of a ReportSteps call of their own.
   */
  'acceptsFinishSteps': (boolean);
  /**
   * The controller stores FinishJobRequest.log_chunks: a short job may send
   * its whole log with FinishJob instead of opening a StreamLogs call.
   */
  'acceptsFinishLogs': (boolean);
}
