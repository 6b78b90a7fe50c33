// Original file: gantry/agent/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface HeartbeatResponse {
  'leaseExpiresAtMs'?: (number | string | Long);
  /**
   * The job was canceled: stop it and call FinishJob with result "canceled".
   */
  'cancelRequested'?: (boolean);
}

export interface HeartbeatResponse__Output {
  'leaseExpiresAtMs': (number);
  /**
   * The job was canceled: stop it and call FinishJob with result "canceled".
   */
  'cancelRequested': (boolean);
}
