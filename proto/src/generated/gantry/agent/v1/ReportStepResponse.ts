// Original file: gantry/agent/v1/agent.proto


export interface ReportStepResponse {
}

export interface ReportStepResponse__Output {
}
