/**
 * `cache:` of a job or of the whole pipeline (which every job without its own
 * inherits): one cache or a list of them. Each names the files whose contents
 * make its key (hashed on the agent), the paths it keeps (inside the
 * workspace, or under the job's home as `~/…`), when it is restored and saved,
 * and the key prefixes to fall back to when the exact key was never saved.
 */
import type { Path } from './locate.js';
import type { CacheDefinition, CachePolicy, CacheWhen } from './model.js';
import type { ProblemCollector } from './problems.js';
import { describe, readMapping, readString, readStringList, reportMissing } from './schema.js';

export const CACHE_KEYS = ['key', 'paths', 'policy', 'when', 'fallback_keys'];
export const CACHE_KEY_KEYS = ['files', 'prefix'];
const POLICIES: readonly CachePolicy[] = ['pull-push', 'pull', 'push'];
const WHENS: readonly CacheWhen[] = ['on_success', 'always'];
/** Caches of one job, paths of one cache, files of one key. */
export const MAX_CACHES_PER_JOB = 8;
export const MAX_CACHE_PATHS = 32;
export const MAX_CACHE_KEY_FILES = 32;
/** A prefix or fallback key: letters, digits and `._-`, so keys read the same everywhere. */
const KEY_TEXT = /^[A-Za-z0-9._-]{1,100}$/;

/** `cache:` as written: undefined when absent, [] when present but unusable (already reported). */
export function readCaches(problems: ProblemCollector, value: unknown, path: Path): CacheDefinition[] | undefined {
  if (value === undefined) return undefined;
  const entries = Array.isArray(value) ? value : [value];
  if (entries.length === 0) {
    problems.report(path, 'cache must be a cache mapping or a non-empty list of them');
    return [];
  }
  if (entries.length > MAX_CACHES_PER_JOB) {
    problems.report(path, `at most ${MAX_CACHES_PER_JOB} caches per job (got ${entries.length})`);
    return [];
  }
  const caches: CacheDefinition[] = [];
  entries.forEach((entry: unknown, index) => {
    const cache = readCache(problems, entry, Array.isArray(value) ? [...path, index] : path);
    if (cache !== undefined) caches.push(cache);
  });
  return caches;
}

function readCache(problems: ProblemCollector, value: unknown, path: Path): CacheDefinition | undefined {
  const cache = readMapping(problems, value, path, CACHE_KEYS, 'a cache');
  if (cache === undefined) return undefined;
  let valid = true;

  if (cache.paths === undefined) {
    reportMissing(problems, path, 'paths');
    valid = false;
  }
  const paths = cache.paths === undefined ? [] : (readCachePaths(problems, cache.paths, [...path, 'paths']) ?? []);
  const key = cache.key === undefined ? { files: [], prefix: null } : readKey(problems, cache.key, [...path, 'key']);
  const policy = readChoice(problems, cache.policy, [...path, 'policy'], 'policy', POLICIES) ?? 'pull-push';
  const when = readChoice(problems, cache.when, [...path, 'when'], 'when', WHENS) ?? 'on_success';
  const fallbackPath = [...path, 'fallback_keys'];
  const fallbackKeys =
    cache.fallback_keys === undefined
      ? []
      : (readStringList(problems, cache.fallback_keys, fallbackPath, 'fallback_keys') ?? []);
  fallbackKeys.forEach((text, index) => {
    checkKeyText(problems, text, [...fallbackPath, index], 'fallback key');
  });
  if (key === undefined || paths.length === 0) valid = false;
  return valid && key !== undefined ? { key, paths, policy, when, fallbackKeys } : undefined;
}

function readKey(problems: ProblemCollector, value: unknown, path: Path): CacheDefinition['key'] | undefined {
  const key = readMapping(problems, value, path, CACHE_KEY_KEYS, 'a cache key');
  if (key === undefined) return undefined;
  const filesPath = [...path, 'files'];
  const files = key.files === undefined ? [] : (readStringList(problems, key.files, filesPath, 'files') ?? []);
  if (files.length > MAX_CACHE_KEY_FILES) {
    problems.report(filesPath, `at most ${MAX_CACHE_KEY_FILES} key files (got ${files.length})`);
  }
  files.forEach((file, index) => {
    const problem = relativePathProblem(file);
    if (problem !== null) problems.report([...filesPath, index], `key file "${file}" ${problem}`);
  });
  let prefix: string | null = null;
  if (key.prefix !== undefined) {
    const text =
      typeof key.prefix === 'number' ? String(key.prefix) : readString(problems, key.prefix, [...path, 'prefix']);
    if (text !== undefined && checkKeyText(problems, text, [...path, 'prefix'], 'key prefix')) prefix = text;
  }
  return { files, prefix };
}

function readCachePaths(problems: ProblemCollector, value: unknown, path: Path): string[] | undefined {
  const paths = readStringList(problems, value, path, 'paths');
  if (paths === undefined) return undefined;
  if (paths.length === 0) problems.report(path, 'paths must list at least one path');
  if (paths.length > MAX_CACHE_PATHS) problems.report(path, `at most ${MAX_CACHE_PATHS} paths (got ${paths.length})`);
  let valid = true;
  paths.forEach((entry, index) => {
    const relative = entry === '~' ? '' : entry.startsWith('~/') ? entry.slice(2) : entry;
    const problem = relative === '' ? 'would keep the whole home directory' : relativePathProblem(relative);
    if (problem !== null) {
      problems.report([...path, index], `cache path "${entry}" ${problem}; use a path in the workspace or "~/…"`);
      valid = false;
    }
  });
  return valid ? paths : undefined;
}

/** Why a workspace-relative path is unusable, or null. */
function relativePathProblem(path: string): string | null {
  if (/^([/\\~]|[A-Za-z]:)/.test(path)) return 'must be relative to the workspace';
  const segments = path.replace(/\/+$/, '').split('/');
  if (segments.includes('..')) return 'must not contain ".."';
  if (segments.every((segment) => segment === '.' || segment === '')) return 'names the whole workspace';
  return null;
}

function checkKeyText(problems: ProblemCollector, text: string, path: Path, what: string): boolean {
  if (KEY_TEXT.test(text)) return true;
  problems.report(path, `${what} "${text}" may only hold letters, digits, ".", "_" and "-" (at most 100)`);
  return false;
}

function readChoice<T extends string>(
  problems: ProblemCollector,
  value: unknown,
  path: Path,
  field: string,
  choices: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return value as T;
  const got = typeof value === 'string' ? `"${value}"` : describe(value);
  problems.report(path, `${field} must be one of ${choices.map((choice) => `"${choice}"`).join(', ')} (got ${got})`);
  return undefined;
}
