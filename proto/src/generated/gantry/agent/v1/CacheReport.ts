// Original file: gantry/agent/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

/**
 * What one cache of the attempt did.
 */
export interface CacheReport {
  /**
   * The exact key computed for the attempt.
   */
  'key'?: (string);
  /**
   * "hit", "fallback", "miss" (nothing found, or an archive that could not be
   * used) or "skipped" (policy push: not restored).
   */
  'restore'?: (string);
  /**
   * The key restored from (a fallback's own key), empty on a miss.
   */
  'restoredKey'?: (string);
  'restoredScope'?: (string);
  'restoredSize'?: (number | string | Long);
  'restoreMs'?: (number | string | Long);
  /**
   * "saved", "not_needed" (an exact hit), "skipped" (policy or result), "failed".
   */
  'save'?: (string);
  'savedScope'?: (string);
  'savedSize'?: (number | string | Long);
  'saveMs'?: (number | string | Long);
  /**
   * Why a restore missed or a save failed, when it says more than the state.
   */
  'message'?: (string);
}

/**
 * What one cache of the attempt did.
 */
export interface CacheReport__Output {
  /**
   * The exact key computed for the attempt.
   */
  'key': (string);
  /**
   * "hit", "fallback", "miss" (nothing found, or an archive that could not be
   * used) or "skipped" (policy push: not restored).
   */
  'restore': (string);
  /**
   * The key restored from (a fallback's own key), empty on a miss.
   */
  'restoredKey': (string);
  'restoredScope': (string);
  'restoredSize': (number);
  'restoreMs': (number);
  /**
   * "saved", "not_needed" (an exact hit), "skipped" (policy or result), "failed".
   */
  'save': (string);
  'savedScope': (string);
  'savedSize': (number);
  'saveMs': (number);
  /**
   * Why a restore missed or a save failed, when it says more than the state.
   */
  'message': (string);
}
