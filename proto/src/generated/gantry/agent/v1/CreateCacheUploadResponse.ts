// Original file: gantry/agent/v1/agent.proto


export interface CreateCacheUploadResponse {
  /**
   * Names this upload in CommitCache.
   */
  'uploadId'?: (string);
  'url'?: (string);
  'scope'?: (string);
}

export interface CreateCacheUploadResponse__Output {
  /**
   * Names this upload in CommitCache.
   */
  'uploadId': (string);
  'url': (string);
  'scope': (string);
}
