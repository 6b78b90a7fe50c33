// Original file: gantry/agent/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface ArtifactDownload {
  /**
   * The job that produced the file.
   */
  'jobName'?: (string);
  'path'?: (string);
  'size'?: (number | string | Long);
  'sha256'?: (string);
  /**
   * Presigned GET URL, valid for a short while.
   */
  'url'?: (string);
  /**
   * Written with execute permission (as the producing job's file was).
   */
  'executable'?: (boolean);
}

export interface ArtifactDownload__Output {
  /**
   * The job that produced the file.
   */
  'jobName': (string);
  'path': (string);
  'size': (number);
  'sha256': (string);
  /**
   * Presigned GET URL, valid for a short while.
   */
  'url': (string);
  /**
   * Written with execute permission (as the producing job's file was).
   */
  'executable': (boolean);
}
