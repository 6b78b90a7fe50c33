// Original file: gantry/agent/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface ArtifactFile {
  'path'?: (string);
  'size'?: (number | string | Long);
  /**
   * Lower-case hex SHA-256 of the bytes uploaded.
   */
  'sha256'?: (string);
  /**
   * Some execute bit was set on the file: downloads are made executable too.
   */
  'executable'?: (boolean);
}

export interface ArtifactFile__Output {
  'path': (string);
  'size': (number);
  /**
   * Lower-case hex SHA-256 of the bytes uploaded.
   */
  'sha256': (string);
  /**
   * Some execute bit was set on the file: downloads are made executable too.
   */
  'executable': (boolean);
}
