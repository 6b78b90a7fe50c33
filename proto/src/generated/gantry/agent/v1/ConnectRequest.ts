// Original file: gantry/agent/v1/agent.proto


export interface ConnectRequest {
  'agentId'?: (string);
}

export interface ConnectRequest__Output {
  'agentId': (string);
}
