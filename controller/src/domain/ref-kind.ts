/**
 * Whether a run's ref is a branch or a tag, and its short name. A ref git
 * names in full decides; a short name git could not qualify (an old run, a
 * detached HEAD, an abbreviated commit id) counts as a branch, as the API has
 * always read it. A trigger naming both a branch and a tag is refused
 * (source/qualify-ref.ts), so such a name is never read here. Protected
 * environments do not take this reading: only a full `refs/heads/` ref is on
 * a branch there (domain/environment.ts).
 */
export type RefKind = { kind: 'branch'; name: string } | { kind: 'tag'; name: string };

export function refKindOf(fullRef: string | null, ref: string): RefKind | null {
  const name = fullRef ?? ref;
  if (name.startsWith('refs/heads/')) return { kind: 'branch', name: name.slice('refs/heads/'.length) };
  if (name.startsWith('refs/tags/')) return { kind: 'tag', name: name.slice('refs/tags/'.length) };
  if (name.startsWith('refs/') || name === 'HEAD') return null;
  return { kind: 'branch', name };
}
