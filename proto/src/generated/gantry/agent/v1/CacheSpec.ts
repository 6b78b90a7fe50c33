// Original file: gantry/agent/v1/agent.proto


export interface CacheSpec {
  /**
   * Workspace files whose contents make the key; the key is
   * <prefix>-<hex SHA-256 of the paths and those files>.
   */
  'keyFiles'?: (string)[];
  'keyPrefix'?: (string);
  /**
   * Workspace-relative, or `~/…` under the job's home.
   */
  'paths'?: (string)[];
  /**
   * "pull-push", "pull" or "push".
   */
  'policy'?: (string);
  /**
   * "on_success" or "always".
   */
  'when'?: (string);
  'fallbackKeys'?: (string)[];
}

export interface CacheSpec__Output {
  /**
   * Workspace files whose contents make the key; the key is
   * <prefix>-<hex SHA-256 of the paths and those files>.
   */
  'keyFiles': (string)[];
  'keyPrefix': (string);
  /**
   * Workspace-relative, or `~/…` under the job's home.
   */
  'paths': (string)[];
  /**
   * "pull-push", "pull" or "push".
   */
  'policy': (string);
  /**
   * "on_success" or "always".
   */
  'when': (string);
  'fallbackKeys': (string)[];
}
