/**
 * Whether a push starts a run, by the pipeline's `on:` at the pushed commit:
 *
 * - no `on:` (or `on: { push: }` naming neither branches nor tags): every
 *   branch, no tag;
 * - `branches:` and/or `tags:` listed: only the branches and tags that match;
 * - `paths:` (branch pushes only): at least one changed file must match;
 *   when the changed files are unknown (a new branch) the push runs.
 */
import type { RefKind } from '../domain/ref-kind.js';
import { matchesAnyGlob, type PushFilter } from '../pipeline/index.js';

/** Null when the push starts a run; else why it does not. */
export function pushFilterRefusal(
  filter: PushFilter | null,
  ref: RefKind | null,
  changedPaths: readonly string[] | null,
): string | null {
  // A ref that is neither a branch nor a tag was asked for by name; the filter cannot judge it.
  if (ref === null) return null;
  const branches = filter?.branches ?? null;
  const tags = filter?.tags ?? null;
  if (ref.kind === 'tag') {
    if (tags === null) return `tag ${ref.name}: on.push lists no tags, so tag pushes start no run`;
    if (!matchesAnyGlob(tags, ref.name)) return `tag ${ref.name} does not match on.push.tags (${tags.join(', ')})`;
    return null;
  }
  if (branches === null && tags !== null) {
    return `branch ${ref.name}: on.push lists only tags, so branch pushes start no run`;
  }
  if (branches !== null && !matchesAnyGlob(branches, ref.name)) {
    return `branch ${ref.name} does not match on.push.branches (${branches.join(', ')})`;
  }
  const paths = filter?.paths ?? null;
  if (paths !== null && changedPaths !== null && !changedPaths.some((path) => matchesAnyGlob(paths, path))) {
    return `no file changed by the push matches on.push.paths (${paths.join(', ')})`;
  }
  return null;
}
