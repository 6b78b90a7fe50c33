// Original file: gantry/agent/v1/agent.proto


export interface ControllerEvent {
  /**
   * "connected"
   */
  'kind'?: (string);
}

export interface ControllerEvent__Output {
  /**
   * "connected"
   */
  'kind': (string);
}
