// Original file: gantry/agent/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

/**
 * What one step did since the last report. A step that started and ended
 * between two calls is one entry (its end state, both times).
 */
export interface StepReport {
  'stepIndex'?: (number);
  /**
   * "running", "succeeded", "failed", "timed_out", "canceled".
   */
  'state'?: (string);
  /**
   * Meaningful once the state is not "running".
   */
  'exitCode'?: (number);
  'startedAtMs'?: (number | string | Long);
  /**
   * 0 while the step runs.
   */
  'finishedAtMs'?: (number | string | Long);
}

/**
 * What one step did since the last report. A step that started and ended
 * between two calls is one entry (its end state, both times).
 */
export interface StepReport__Output {
  'stepIndex': (number);
  /**
   * "running", "succeeded", "failed", "timed_out", "canceled".
   */
  'state': (string);
  /**
   * Meaningful once the state is not "running".
   */
  'exitCode': (number);
  'startedAtMs': (number);
  /**
   * 0 while the step runs.
   */
  'finishedAtMs': (number);
}
