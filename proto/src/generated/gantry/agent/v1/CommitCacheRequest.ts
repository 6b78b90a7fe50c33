// Original file: gantry/agent/v1/agent.proto

import type { Lease as _gantry_agent_v1_Lease, Lease__Output as _gantry_agent_v1_Lease__Output } from '../../../gantry/agent/v1/Lease.js';
import type { Long } from '@grpc/proto-loader';

export interface CommitCacheRequest {
  'lease'?: (_gantry_agent_v1_Lease | null);
  'key'?: (string);
  'uploadId'?: (string);
  'size'?: (number | string | Long);
  'sha256'?: (string);
  'format'?: (string);
}

export interface CommitCacheRequest__Output {
  'lease': (_gantry_agent_v1_Lease__Output | null);
  'key': (string);
  'uploadId': (string);
  'size': (number);
  'sha256': (string);
  'format': (string);
}
