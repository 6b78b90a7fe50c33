// Original file: gantry/agent/v1/agent.proto


export interface RegisterResponse {
  'agentId'?: (string);
  'heartbeatIntervalMs'?: (number);
  'leaseTtlMs'?: (number);
}

export interface RegisterResponse__Output {
  'agentId': (string);
  'heartbeatIntervalMs': (number);
  'leaseTtlMs': (number);
}
