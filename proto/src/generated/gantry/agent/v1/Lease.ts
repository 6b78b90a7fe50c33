// Original file: gantry/agent/v1/agent.proto


/**
 * The identity of one running attempt; present on every call after a claim.
 */
export interface Lease {
  'jobId'?: (string);
  'attempt'?: (number);
  'leaseToken'?: (string);
}

/**
 * The identity of one running attempt; present on every call after a claim.
 */
export interface Lease__Output {
  'jobId': (string);
  'attempt': (number);
  'leaseToken': (string);
}
