// Original file: gantry/agent/v1/agent.proto

import type { Lease as _gantry_agent_v1_Lease, Lease__Output as _gantry_agent_v1_Lease__Output } from '../../../gantry/agent/v1/Lease.js';
import type { Long } from '@grpc/proto-loader';

export interface LogChunk {
  'lease'?: (_gantry_agent_v1_Lease | null);
  /**
   * 0, 1, 2, ... per attempt, with no gaps.
   */
  'seq'?: (number);
  /**
   * Byte offset of `data` in the attempt's whole output.
   */
  'offset'?: (number | string | Long);
  'data'?: (Buffer | Uint8Array | string);
  /**
   * The step that produced the output, 0-based.
   */
  'stepIndex'?: (number);
  /**
   * 0: `data` is the output as it is. Otherwise `data` is one gzip member
   * (RFC 1952) holding exactly this many bytes of output, at most 4 MiB;
   * `offset` and the cap count output bytes. Sent only to a controller whose
   * claim answer set accepts_gzip_chunks.
   */
  'plainBytes'?: (number);
}

export interface LogChunk__Output {
  'lease': (_gantry_agent_v1_Lease__Output | null);
  /**
   * 0, 1, 2, ... per attempt, with no gaps.
   */
  'seq': (number);
  /**
   * Byte offset of `data` in the attempt's whole output.
   */
  'offset': (number);
  'data': (Buffer);
  /**
   * The step that produced the output, 0-based.
   */
  'stepIndex': (number);
  /**
   * 0: `data` is the output as it is. Otherwise `data` is one gzip member
   * (RFC 1952) holding exactly this many bytes of output, at most 4 MiB;
   * `offset` and the cap count output bytes. Sent only to a controller whose
   * claim answer set accepts_gzip_chunks.
   */
  'plainBytes': (number);
}
