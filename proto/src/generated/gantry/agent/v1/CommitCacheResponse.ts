// Original file: gantry/agent/v1/agent.proto


export interface CommitCacheResponse {
}

export interface CommitCacheResponse__Output {
}
