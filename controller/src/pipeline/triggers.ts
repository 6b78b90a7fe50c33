/**
 * What starts a run and which stages it runs: the top-level `on:` (which
 * pushes start a run) and a stage's `if:` (on which branches or tags it runs).
 *
 * ```yaml
 * on: { push: { branches: [main, "release/*"], tags: ["v*"], paths: ["src/**"] } }
 * stages:
 *   - name: production
 *     if: { branch: main }
 * ```
 */
import type { Path } from './locate.js';
import type { PushFilter, StageCondition } from './model.js';
import type { ProblemCollector } from './problems.js';
import { describe, isMapping, readMapping, readStringList } from './schema.js';

export const ON_KEYS = ['push'];
export const PUSH_KEYS = ['branches', 'tags', 'paths'];
export const IF_KEYS = ['branch', 'tag'];
/** Bounds on what pushes and planning match names against (each match costs name length × glob length). */
export const MAX_GLOBS_PER_LIST = 100;
export const MAX_GLOB_LENGTH = 256;

/** `on:`; absent → null (every branch, no tag). */
export function readOn(problems: ProblemCollector, value: unknown, path: Path): PushFilter | null {
  if (value === undefined) return null;
  const on = readMapping(problems, value, path, ON_KEYS, 'on');
  if (on === undefined) return null;
  if (on.push === undefined || on.push === null) return { branches: null, tags: null, paths: null };
  const pushPath = [...path, 'push'];
  const push = readMapping(problems, on.push, pushPath, PUSH_KEYS, 'on.push');
  if (push === undefined) return null;
  return {
    branches: readGlobs(problems, push.branches, [...pushPath, 'branches'], 'branches'),
    tags: readGlobs(problems, push.tags, [...pushPath, 'tags'], 'tags'),
    paths: readGlobs(problems, push.paths, [...pushPath, 'paths'], 'paths'),
  };
}

/** A stage's `if:`; absent → null (the stage always runs). */
export function readIf(problems: ProblemCollector, value: unknown, path: Path): StageCondition | null {
  if (value === undefined) return null;
  const condition = readMapping(problems, value, path, IF_KEYS, 'if');
  if (condition === undefined) return null;
  if (condition.branch === undefined && condition.tag === undefined) {
    problems.report(path, 'if must name a branch or a tag, e.g. if: { branch: main }');
    return null;
  }
  return {
    branches: readGlobs(problems, condition.branch, [...path, 'branch'], 'branch', true),
    tags: readGlobs(problems, condition.tag, [...path, 'tag'], 'tag', true),
  };
}

/** A list of globs; with `single`, one glob may be written alone (`branch: main`). */
function readGlobs(
  problems: ProblemCollector,
  value: unknown,
  path: Path,
  field: string,
  single = false,
): string[] | null {
  if (value === undefined) return null;
  if (single && typeof value === 'string' && value.trim() !== '') {
    checkGlobLength(problems, value, path, field);
    return [value];
  }
  if (single && !Array.isArray(value) && !isMapping(value) && typeof value !== 'string') {
    problems.report(path, `${field} must be a name or a list of names (got ${describe(value)})`);
    return null;
  }
  const globs = readStringList(problems, value, path, field);
  if (globs !== undefined && globs.length === 0) {
    problems.report(path, `${field} must list at least one name; leave the key out to match any`);
    return null;
  }
  if (globs === undefined) return null;
  if (globs.length > MAX_GLOBS_PER_LIST) {
    problems.report(path, `${field} lists ${globs.length} globs; at most ${MAX_GLOBS_PER_LIST} are allowed`);
  }
  globs.forEach((glob, index) => {
    checkGlobLength(problems, glob, [...path, index], field);
  });
  return globs;
}

function checkGlobLength(problems: ProblemCollector, glob: string, path: Path, field: string): void {
  if (glob.length > MAX_GLOB_LENGTH) {
    problems.report(path, `${field} glob is ${glob.length} characters long; at most ${MAX_GLOB_LENGTH} are allowed`);
  }
}
