// Original file: gantry/agent/v1/agent.proto


export interface EnrolResponse {
  'agentId'?: (string);
  /**
   * The agent's own credential, shown this once; the controller keeps only its SHA-256.
   */
  'credential'?: (string);
}

export interface EnrolResponse__Output {
  'agentId': (string);
  /**
   * The agent's own credential, shown this once; the controller keeps only its SHA-256.
   */
  'credential': (string);
}
