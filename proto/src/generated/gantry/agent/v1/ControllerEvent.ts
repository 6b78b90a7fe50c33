// Original file: gantry/agent/v1/agent.proto


export interface ControllerEvent {
  /**
   * "connected" once the session is open, then "alive" every
   * alive_interval_ms while the replica runs.
   */
  'kind'?: (string);
  /**
   * On "connected": how often "alive" follows (0 or absent: never, an older
   * controller). An agent that hears nothing for two intervals and a half
   * takes the replica for frozen (its connections still open) and connects
   * to another before the farm takes its jobs for lost.
   */
  'aliveIntervalMs'?: (number);
}

export interface ControllerEvent__Output {
  /**
   * "connected" once the session is open, then "alive" every
   * alive_interval_ms while the replica runs.
   */
  'kind': (string);
  /**
   * On "connected": how often "alive" follows (0 or absent: never, an older
   * controller). An agent that hears nothing for two intervals and a half
   * takes the replica for frozen (its connections still open) and connects
   * to another before the farm takes its jobs for lost.
   */
  'aliveIntervalMs': (number);
}
