// Original file: gantry/agent/v1/agent.proto


export interface WorkError {
  /**
   * A gRPC status code (google.rpc.Code), never OK.
   */
  'code'?: (number);
  'details'?: (string);
}

export interface WorkError__Output {
  /**
   * A gRPC status code (google.rpc.Code), never OK.
   */
  'code': (number);
  'details': (string);
}
