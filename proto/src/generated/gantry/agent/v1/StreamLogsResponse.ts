// Original file: gantry/agent/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface StreamLogsResponse {
  /**
   * Highest seq stored so far for the attempt (or -1 when none).
   */
  'storedSeq'?: (number | string | Long);
}

export interface StreamLogsResponse__Output {
  /**
   * Highest seq stored so far for the attempt (or -1 when none).
   */
  'storedSeq': (number);
}
