/**
 * Which repositories the controller may read: the operator's choice, not the
 * API caller's. Without it, anyone who may trigger could make the controller
 * clone internal services or probe its disk.
 *
 * - `GANTRY_REPO_ALLOW` set: only repositories under one of its entries. An
 *   entry that is a URL (`https://git.example.com/`) allows URLs that start
 *   with it (exactly, case included) where the entry ends at a `/` or the
 *   URL goes on with one; an entry that is an
 *   absolute directory (`/srv/git`) allows local paths and `file://` URLs
 *   inside it (after `..` and symbolic links are resolved).
 * - Unset: network repositories (http, https, ssh, git, `user@host:path`)
 *   are allowed; local paths and `file://` only where the command allows them
 *   by default (`gantry up`, a farm on one's own machine), never for
 *   `gantry controller`.
 *
 * A refusal says the same whatever the host has at that place.
 */
import { realpathSync } from 'node:fs';
import { isAbsolute, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SourceError } from './source-error.js';

export interface RepositoryAllowList {
  /** The entries of GANTRY_REPO_ALLOW, or null when it is unset. */
  entries: string[] | null;
  /** With no entries: whether local paths and `file://` are allowed. */
  localByDefault: boolean;
}

/** Local paths and any network repository: `gantry up`'s default, and what tests on one machine use. */
export const localRepositories: RepositoryAllowList = { entries: null, localByDefault: true };

/** The transports git may use for any repository the controller reads (no `ext::`, no `fd::`). */
export const allowedGitProtocols = 'file:git:http:https:ssh';

const networkScheme = /^(https?|ssh|git|git\+ssh|ssh\+git):\/\//i;
const scpLike = /^[^/\s]+@[^:\s]+:/;
const anyScheme = /^[a-z][a-z0-9+.-]*:/i;

export function assertRepositoryAllowed(repo: string, allow: RepositoryAllowList): void {
  if (!isAllowed(repo, allow)) {
    throw new SourceError(
      'REPOSITORY_NOT_ALLOWED',
      'repository not allowed: this controller builds only the repositories its operator lists in GANTRY_REPO_ALLOW',
    );
  }
}

function isAllowed(repo: string, allow: RepositoryAllowList): boolean {
  const local = localPathOf(repo);
  if (allow.entries === null) {
    if (local !== undefined) return allow.localByDefault;
    return networkScheme.test(repo) || scpLike.test(repo);
  }
  return allow.entries.some((entry) =>
    isAbsolute(entry) ? local !== undefined && isInside(local, entry) : startsWithAtBoundary(repo, entry),
  );
}

/** The directory a local path or `file://` URL names, resolved; undefined for anything else. */
function localPathOf(repo: string): string | undefined {
  if (/^file:\/\//i.test(repo)) {
    try {
      return realOrResolved(fileURLToPath(repo));
    } catch {
      return '\0'; // a malformed file URL: local, inside nothing
    }
  }
  if (anyScheme.test(repo) || scpLike.test(repo)) return undefined;
  return realOrResolved(resolve(repo));
}

function realOrResolved(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function isInside(path: string, directory: string): boolean {
  const root = realOrResolved(resolve(directory));
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * `https://git.example.com` allows `https://git.example.com/x.git`, not `https://git.example.com.evil/`
 * nor `https://git.example.com:x@evil/` (whose host is `evil`).
 */
function startsWithAtBoundary(repo: string, prefix: string): boolean {
  if (!repo.startsWith(prefix)) return false;
  if (prefix.endsWith('/')) return true;
  const next = repo.charAt(prefix.length);
  return next === '' || next === '/';
}
