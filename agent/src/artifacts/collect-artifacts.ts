/**
 * Finds the files a job's `artifacts:` globs name, inside the workspace only.
 * A glob that is absolute or has `..` is refused whole; a symlink whose
 * target is outside the workspace is refused by name and never read; a
 * symlink to a directory is not followed (no loops, no escapes), whether it
 * is met while walking or sits on the literal path a glob starts from. `.git`
 * is never collected. The caller logs every refusal.
 */
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { type FileIdentity, identityOf } from './file-identity.js';
import { compileGlob, type GlobPattern } from './glob-pattern.js';

export interface CollectedFile {
  /** Workspace-relative, `/`-separated: the artifact's path and key suffix. */
  path: string;
  /** What to read (the symlink's target for a symlink inside the workspace). */
  absolutePath: string;
  /** The file found (the target, for a symlink): what `absolutePath` must still lead to when read. */
  identity: FileIdentity;
  size: number;
  /** Some execute bit is set (on the target, for a symlink). */
  executable: boolean;
}

export interface Refusal {
  /** The glob or workspace-relative path refused. */
  path: string;
  reason: string;
}

export class TooManyArtifactsError extends Error {
  override readonly name = 'TooManyArtifactsError';
  readonly code = 'TOO_MANY_ARTIFACTS';
}

/** Files one job may keep (the controller's limit per attempt). */
export const MAX_ARTIFACT_FILES = 10_000;

export async function collectArtifacts(
  workspace: string,
  globs: readonly string[],
): Promise<{ files: CollectedFile[]; refused: Refusal[] }> {
  const root = await realpath(workspace);
  const found = new Map<string, CollectedFile>();
  const refused = new Map<string, Refusal>();
  const refuse = (path: string, reason: string): void => {
    refused.set(path, { path, reason });
  };

  const visit = async (path: string, pattern: GlobPattern): Promise<void> => {
    const absolute = join(root, ...path.split('/').filter(Boolean));
    // bigint: an inode number may not fit a double (see FileIdentity).
    const entry = await lstat(absolute, { bigint: true }).catch(() => null);
    if (entry === null) return;
    if (entry.isDirectory()) {
      if (path.split('/').at(-1) === '.git') return;
      const names = (await readdir(absolute)).sort();
      for (const name of names) await visit(path === '' ? name : `${path}/${name}`, pattern);
      return;
    }
    if (entry.isSymbolicLink()) {
      const target = await realpath(absolute).catch(() => null);
      // A link leaving the workspace is named whether it would match as a file or lead to matches as a directory.
      if (target !== null && !isInside(root, target)) return refuse(path, outsideReason(target));
      if (!pattern.matches(path) || found.has(path)) return;
      if (target === null) return refuse(path, 'symlink whose target does not exist');
      const targetEntry = await stat(target, { bigint: true });
      if (!targetEntry.isFile()) return refuse(path, 'symlink to a directory is not followed');
      add({
        path,
        absolutePath: target,
        identity: identityOf(targetEntry),
        size: Number(targetEntry.size),
        executable: isExecutable(targetEntry.mode),
      });
    } else if (entry.isFile() && pattern.matches(path) && !found.has(path)) {
      add({
        path,
        absolutePath: absolute,
        identity: identityOf(entry),
        size: Number(entry.size),
        executable: isExecutable(entry.mode),
      });
    }
  };
  const add = (file: CollectedFile) => {
    if (found.size >= MAX_ARTIFACT_FILES) {
      throw new TooManyArtifactsError(`the artifacts globs match more than ${MAX_ARTIFACT_FILES} files`);
    }
    found.set(file.path, file);
  };

  for (const glob of globs) {
    if (/^([/\\~]|[A-Za-z]:)/.test(glob)) {
      refuse(glob, 'absolute path; artifacts must be relative to the workspace');
      continue;
    }
    if (glob.split(/[/\\]/).includes('..')) {
      refuse(glob, 'has ".."; artifacts must stay inside the workspace');
      continue;
    }
    const pattern = compileGlob(glob);
    const link = await linkAbove(root, pattern.base);
    if (link === null) await visit(pattern.base, pattern);
    else refuse(link.path, link.reason);
  }
  const files = [...found.values()].sort((a, b) => (a.path < b.path ? -1 : 1));
  return { files, refused: [...refused.values()] };
}

/**
 * The first directory above `base` (workspace-relative) that is a symlink,
 * with why it is not followed; null when there is none. lstat, which `visit`
 * starts with at `base`, would follow such a link, out of the workspace too.
 */
async function linkAbove(root: string, base: string): Promise<Refusal | null> {
  const segments = base.split('/').filter(Boolean);
  for (let count = 1; count < segments.length; count++) {
    const absolute = join(root, ...segments.slice(0, count));
    const entry = await lstat(absolute).catch(() => null);
    if (entry === null) return null;
    if (!entry.isSymbolicLink()) continue;
    const path = segments.slice(0, count).join('/');
    const target = await realpath(absolute).catch(() => null);
    if (target === null) return { path, reason: 'symlink whose target does not exist' };
    if (!isInside(root, target)) return { path, reason: outsideReason(target) };
    return { path, reason: 'symlink to a directory is not followed' };
  }
  return null;
}

function outsideReason(target: string): string {
  return `symlink to ${target}, outside the workspace`;
}

function isInside(root: string, target: string): boolean {
  const path = relative(root, target);
  return path !== '' && !path.startsWith(`..${sep}`) && path !== '..' && !path.startsWith(sep);
}

function isExecutable(mode: bigint): boolean {
  return (mode & 0o111n) !== 0n;
}
