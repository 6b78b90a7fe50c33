// Original file: gantry/agent/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface HeartbeatResponse {
  'leaseExpiresAtMs'?: (number | string | Long);
  /**
   * The job was canceled: stop it and call FinishJob with result "canceled".
   */
  'cancelRequested'?: (boolean);
  /**
   * The agent holding the lease was asked to drain: take no more jobs, finish
   * the running ones and exit. Carried on every heartbeat, so a drain control
   * message lost on NATS still reaches an agent that runs a job. An older
   * controller never sets it; an older agent ignores it.
   */
  'drainRequested'?: (boolean);
}

export interface HeartbeatResponse__Output {
  'leaseExpiresAtMs': (number);
  /**
   * The job was canceled: stop it and call FinishJob with result "canceled".
   */
  'cancelRequested': (boolean);
  /**
   * The agent holding the lease was asked to drain: take no more jobs, finish
   * the running ones and exit. Carried on every heartbeat, so a drain control
   * message lost on NATS still reaches an agent that runs a job. An older
   * controller never sets it; an older agent ignores it.
   */
  'drainRequested': (boolean);
}
