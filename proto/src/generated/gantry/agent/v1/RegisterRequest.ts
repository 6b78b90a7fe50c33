// Original file: gantry/agent/v1/agent.proto


export interface RegisterRequest {
  'protocolVersion'?: (number);
  /**
   * Stable name of the agent process (hostname-based); re-registering with the
   * same name returns the same agent id.
   */
  'name'?: (string);
  'queues'?: (string)[];
  'slots'?: (number);
  'hostname'?: (string);
  'agentVersion'?: (string);
}

export interface RegisterRequest__Output {
  'protocolVersion': (number);
  /**
   * Stable name of the agent process (hostname-based); re-registering with the
   * same name returns the same agent id.
   */
  'name': (string);
  'queues': (string)[];
  'slots': (number);
  'hostname': (string);
  'agentVersion': (string);
}
