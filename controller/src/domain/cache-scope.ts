/**
 * Which caches a run's jobs may restore and which they save into. A protected
 * ref (a branch matching GANTRY_CACHE_PROTECTED_BRANCHES, or a full ref
 * matching one of its `refs/…` patterns) reads and writes the repository's
 * `protected` scope; any other ref writes only its own scope `ref:<ref>` and
 * reads its own, then the protected one. So a side branch may start from
 * main's cache but never replaces what main's jobs and deploys restore.
 */
import { matchesAnyGlob } from '../pipeline/glob.js';
import { refKindOf } from './ref-kind.js';

export const PROTECTED_SCOPE = 'protected';

export interface CacheScopes {
  /** Where saves go. */
  write: string;
  /** Where restores look, in order. */
  read: string[];
}

/** `ref` as the run names it, `fullRef` as git does (null when git names no branch or tag). */
export function cacheScopesOf(fullRef: string | null, ref: string, protectedBranches: readonly string[]): CacheScopes {
  const full = fullRef ?? ref;
  const kind = refKindOf(fullRef, ref);
  const branchPatterns = protectedBranches.filter((pattern) => !pattern.startsWith('refs/'));
  const refPatterns = protectedBranches.filter((pattern) => pattern.startsWith('refs/'));
  const isProtected =
    (kind?.kind === 'branch' && matchesAnyGlob(branchPatterns, kind.name)) || matchesAnyGlob(refPatterns, full);
  if (isProtected) return { write: PROTECTED_SCOPE, read: [PROTECTED_SCOPE] };
  const own = `ref:${kind?.kind === 'branch' ? `refs/heads/${kind.name}` : full}`;
  return { write: own, read: [own, PROTECTED_SCOPE] };
}
