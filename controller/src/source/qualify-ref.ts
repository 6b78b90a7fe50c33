/**
 * Which ref a trigger's name means, in full, and the object it points at now.
 * A short name is looked up as a branch (`refs/heads/<name>`) and as a tag
 * (`refs/tags/<name>`), never in git's own order (where a tag, or even
 * `refs/<name>`, wins over the branch): when both exist the name is refused as
 * ambiguous. A full name (`refs/…`) is taken exactly as given, `HEAD` as the
 * branch it points at. Any other name (an abbreviated commit id, a detached
 * HEAD, another kind of ref) is left for git to read, as it always was, and
 * has a full name only when git reads it as a branch or a tag (`heads/main`).
 */
import { runGit } from './git-command.js';
import { type ReadableRepository, unreadable } from './readable-repository.js';
import { SourceError } from './source-error.js';

export type QualifiedRef =
  /**
   * The ref `fullRef`, pointing at `object` (a full object id), or missing
   * (null). `commit`: the commit `object` is, or the one an annotated tag
   * points at directly; null when that takes more peeling (a tag of a tag)
   * or is no commit, and for a missing ref.
   */
  | { kind: 'ref'; fullRef: string; object: string | null; commit: string | null }
  /** Neither a branch nor a tag nor a full name: git resolves the name as given. */
  | { kind: 'other' };

/**
 * `ref` must already have passed assertRefName (so it cannot read as an
 * option nor as a pattern). Throws SourceError INVALID_REF when a short name
 * is both a branch and a tag.
 */
export async function qualifyRefIn(
  repository: ReadableRepository,
  ref: string,
  timeoutMs: number,
): Promise<QualifiedRef> {
  if (ref.startsWith('refs/')) return exactRef(repository, ref, timeoutMs);
  if (ref === 'HEAD') {
    const head = await runGit([...repository.gitArgs, 'symbolic-ref', '-q', 'HEAD'], { timeoutMs });
    if (head.exitCode > 1) throw unreadable(repository, head.stderr);
    const name = head.stdout.trim();
    // Exit 1: a detached HEAD, which git reads as the commit it holds.
    return head.exitCode === 0 && name.startsWith('refs/heads/')
      ? exactRef(repository, name, timeoutMs)
      : { kind: 'other' };
  }
  const branch = `refs/heads/${ref}`;
  const tag = `refs/tags/${ref}`;
  const found = await listRefs(repository, [branch, tag], timeoutMs);
  const branchTarget = found.get(branch);
  const tagTarget = found.get(tag);
  if (branchTarget !== undefined && tagTarget !== undefined) {
    throw new SourceError(
      'INVALID_REF',
      `ref "${ref}" is ambiguous: both a branch and a tag; give ${branch} or ${tag}`,
    );
  }
  if (branchTarget !== undefined) return { kind: 'ref', fullRef: branch, ...branchTarget };
  if (tagTarget !== undefined) return { kind: 'ref', fullRef: tag, ...tagTarget };
  const outcome = await runGit([...repository.gitArgs, 'rev-parse', '--symbolic-full-name', ref], { timeoutMs });
  const name = outcome.stdout.trim();
  return outcome.exitCode === 0 && /^refs\/(heads|tags)\/[^\n]+$/.test(name)
    ? exactRef(repository, name, timeoutMs)
    : { kind: 'other' };
}

async function exactRef(repository: ReadableRepository, fullRef: string, timeoutMs: number): Promise<QualifiedRef> {
  const found = await listRefs(repository, [fullRef], timeoutMs);
  return { kind: 'ref', fullRef, ...(found.get(fullRef) ?? { object: null, commit: null }) };
}

/** What a ref points at: the object, and the commit when it is one or an annotated tag's (see QualifiedRef). */
interface RefTarget {
  object: string;
  commit: string | null;
}

/**
 * The target of each of `names` (full ref names, no patterns); a missing one
 * is absent. The commit comes in the same git process, so that resolving a
 * branch's or a tag's head needs no other.
 */
async function listRefs(
  repository: ReadableRepository,
  names: string[],
  timeoutMs: number,
): Promise<Map<string, RefTarget>> {
  // Every name starts with `refs/` and has no glob character (assertRefName): none reads as an option
  // or a pattern. for-each-ref also lists refs below a name (`refs/heads/main/x`); only exact names count.
  // Fields: the object and its type, then what an annotated tag points at and its type (empty otherwise).
  const format = '--format=%(objectname) %(objecttype) %(*objectname) %(*objecttype) %(refname)';
  const outcome = await runGit([...repository.gitArgs, 'for-each-ref', format, ...names], { timeoutMs });
  if (outcome.exitCode !== 0) throw unreadable(repository, outcome.stderr);
  const found = new Map<string, RefTarget>();
  for (const line of outcome.stdout.split('\n')) {
    // A ref name holds no space (git check-ref-format), so the name is all after the fourth one.
    const [object = '', type, peeled, peeledType, ...rest] = line.split(' ');
    const name = rest.join(' ');
    if (object === '' || !names.includes(name)) continue;
    const commit = type === 'commit' ? object : type === 'tag' && peeledType === 'commit' ? (peeled ?? null) : null;
    found.set(name, { object, commit });
  }
  return found;
}
