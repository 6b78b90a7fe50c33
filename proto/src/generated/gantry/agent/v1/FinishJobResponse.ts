// Original file: gantry/agent/v1/agent.proto


export interface FinishJobResponse {
}

export interface FinishJobResponse__Output {
}
