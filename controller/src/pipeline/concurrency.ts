/**
 * A stage's `concurrency:` group and `supersede:` flag.
 *
 * `concurrency: GROUP` — at most one stage of the group runs at a time, across
 * every run and pipeline of the farm; the others wait in trigger order. The
 * name is shared farm-wide, so it is kept to a short word.
 *
 * `supersede: true` — only on a gated stage: a newer run of the same pipeline
 * reaching the gate ends older runs still waiting there.
 */
import type { Path } from './locate.js';
import type { ProblemCollector } from './problems.js';
import { describe, readBoolean } from './schema.js';

/** Longest concurrency group name. */
export const MAX_CONCURRENCY_GROUP_LENGTH = 100;

const GROUP_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export function readConcurrencyGroup(problems: ProblemCollector, value: unknown, path: Path): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') {
    problems.report(path, `concurrency must be a group name (got ${describe(value)})`);
    return null;
  }
  if (value.length > MAX_CONCURRENCY_GROUP_LENGTH) {
    problems.report(
      path,
      `concurrency group name is ${value.length} characters long, over the limit of ${MAX_CONCURRENCY_GROUP_LENGTH}`,
    );
    return null;
  }
  if (!GROUP_NAME.test(value)) {
    problems.report(
      path,
      `concurrency group "${value}" must start with a letter or digit and hold only letters, digits, ".", "_" and "-"`,
    );
    return null;
  }
  return value;
}

/** `supersede:`; true only makes sense with a gate, so it is refused on a stage without `approval`. */
export function readSupersede(problems: ProblemCollector, value: unknown, path: Path, gated: boolean): boolean {
  if (value === undefined) return false;
  const supersede = readBoolean(problems, value, path) ?? false;
  if (supersede && !gated) {
    problems.report(path, 'supersede: true needs an approval gate on the stage (add approval: …)');
    return false;
  }
  return supersede;
}
