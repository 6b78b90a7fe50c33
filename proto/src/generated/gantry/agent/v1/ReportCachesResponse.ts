// Original file: gantry/agent/v1/agent.proto


export interface ReportCachesResponse {
}

export interface ReportCachesResponse__Output {
}
