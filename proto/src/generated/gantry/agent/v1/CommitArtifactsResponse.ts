// Original file: gantry/agent/v1/agent.proto


export interface CommitArtifactsResponse {
  'committed'?: (number);
  /**
   * One line per report in junit_reports: what was read from it, or why it
   * was refused. The agent prints them in the job's log.
   */
  'reportNotes'?: (string)[];
}

export interface CommitArtifactsResponse__Output {
  'committed': (number);
  /**
   * One line per report in junit_reports: what was read from it, or why it
   * was refused. The agent prints them in the job's log.
   */
  'reportNotes': (string)[];
}
