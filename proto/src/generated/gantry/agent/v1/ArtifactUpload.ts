// Original file: gantry/agent/v1/agent.proto


export interface ArtifactUpload {
  'path'?: (string);
  /**
   * Presigned PUT URL for exactly this file's key; the body is the file.
   */
  'url'?: (string);
}

export interface ArtifactUpload__Output {
  'path': (string);
  /**
   * Presigned PUT URL for exactly this file's key; the body is the file.
   */
  'url': (string);
}
