// Original file: gantry/agent/v1/agent.proto


export interface CommitArtifactsResponse {
  'committed'?: (number);
}

export interface CommitArtifactsResponse__Output {
  'committed': (number);
}
