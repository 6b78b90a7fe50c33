// Original file: gantry/agent/v1/agent.proto


export interface ClaimJobRequest {
  'agentId'?: (string);
  'jobId'?: (string);
  'attempt'?: (number);
}

export interface ClaimJobRequest__Output {
  'agentId': (string);
  'jobId': (string);
  'attempt': (number);
}
