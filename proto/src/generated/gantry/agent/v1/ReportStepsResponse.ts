// Original file: gantry/agent/v1/agent.proto


export interface ReportStepsResponse {
}

export interface ReportStepsResponse__Output {
}
