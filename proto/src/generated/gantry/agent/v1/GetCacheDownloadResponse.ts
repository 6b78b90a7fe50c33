// Original file: gantry/agent/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface GetCacheDownloadResponse {
  'found'?: (boolean);
  /**
   * The key of the cache found, and whether it was an exact match of keys[0].
   */
  'key'?: (string);
  'exact'?: (boolean);
  /**
   * "protected" or "ref:<ref>".
   */
  'scope'?: (string);
  'size'?: (number | string | Long);
  'sha256'?: (string);
  /**
   * Presigned GET URL of the archive.
   */
  'url'?: (string);
  /**
   * "tar+zstd" or "tar+gzip".
   */
  'format'?: (string);
}

export interface GetCacheDownloadResponse__Output {
  'found': (boolean);
  /**
   * The key of the cache found, and whether it was an exact match of keys[0].
   */
  'key': (string);
  'exact': (boolean);
  /**
   * "protected" or "ref:<ref>".
   */
  'scope': (string);
  'size': (number);
  'sha256': (string);
  /**
   * Presigned GET URL of the archive.
   */
  'url': (string);
  /**
   * "tar+zstd" or "tar+gzip".
   */
  'format': (string);
}
