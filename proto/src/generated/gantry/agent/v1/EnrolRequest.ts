// Original file: gantry/agent/v1/agent.proto


export interface EnrolRequest {
  'protocolVersion'?: (number);
  /**
   * The agent's stable name; the credential is bound to it.
   */
  'name'?: (string);
  /**
   * The queues it will serve; each must be one the enrolment token allows.
   */
  'queues'?: (string)[];
  'hostname'?: (string);
}

export interface EnrolRequest__Output {
  'protocolVersion': (number);
  /**
   * The agent's stable name; the credential is bound to it.
   */
  'name': (string);
  /**
   * The queues it will serve; each must be one the enrolment token allows.
   */
  'queues': (string)[];
  'hostname': (string);
}
