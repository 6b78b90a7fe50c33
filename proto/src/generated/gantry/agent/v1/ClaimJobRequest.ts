// Original file: gantry/agent/v1/agent.proto


export interface ClaimJobRequest {
  'agentId'?: (string);
  'jobId'?: (string);
  'attempt'?: (number);
  /**
   * Optional: a UUID the agent draws for this claim and sends again when it
   * retries a claim whose answer it never got. It becomes the lease token, and
   * an attempt already granted to this agent under it is granted again (same
   * lease, renewed), so a lost answer does not strand the attempt until its
   * lease expires. A claim of a redelivered offer draws a new one.
   */
  'claimId'?: (string);
}

export interface ClaimJobRequest__Output {
  'agentId': (string);
  'jobId': (string);
  'attempt': (number);
  /**
   * Optional: a UUID the agent draws for this claim and sends again when it
   * retries a claim whose answer it never got. It becomes the lease token, and
   * an attempt already granted to this agent under it is granted again (same
   * lease, renewed), so a lost answer does not strand the attempt until its
   * lease expires. A claim of a redelivered offer draws a new one.
   */
  'claimId': (string);
}
