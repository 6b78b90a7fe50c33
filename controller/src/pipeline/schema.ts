/**
 * Small readers for the plain values YAML produced. Each one checks one field,
 * reports what is wrong at its path, and returns `undefined` when the value
 * cannot be used, so the caller carries on and more problems get found.
 */
import { parseDuration } from './duration.js';
import type { Path } from './locate.js';
import type { ProblemCollector } from './problems.js';
import { didYouMean } from './suggest.js';

export type Mapping = Record<string, unknown>;

const SHELL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** "a list", "a mapping", "null"… for "must be X (got Y)" messages. */
export function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (typeof value === 'object') return Object.keys(value).length === 0 ? 'an empty mapping' : 'a mapping';
  if (typeof value === 'string') return `the string "${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
  if (typeof value === 'boolean' || typeof value === 'number') return `${typeof value} ${value}`;
  return typeof value;
}

export function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads a mapping whose keys must all be in `allowed`; every other key is
 * reported at the key itself, with a suggestion when it looks like a typo.
 */
export function readMapping(
  problems: ProblemCollector,
  value: unknown,
  path: Path,
  allowed: readonly string[],
  what: string,
): Mapping | undefined {
  if (!isMapping(value)) {
    problems.report(path, `${what} must be a mapping (got ${describe(value)})`);
    return undefined;
  }
  for (const key of Object.keys(value)) {
    if (allowed.includes(key)) continue;
    const hint = didYouMean(key, allowed) || `; expected one of: ${allowed.join(', ')}`;
    problems.report([...path, key], `unknown key "${key}"${hint}`, 'key');
  }
  return value;
}

export function reportMissing(problems: ProblemCollector, path: Path, key: string): void {
  problems.report([...path, key], `required key "${key}" is missing`);
}

/** A non-empty string; `undefined` (and a problem) otherwise. */
export function readString(problems: ProblemCollector, value: unknown, path: Path): string | undefined {
  if (typeof value !== 'string') {
    problems.report(path, `must be a string (got ${describe(value)})`);
    return undefined;
  }
  if (value.trim() === '') {
    problems.report(path, 'must not be empty');
    return undefined;
  }
  return value;
}

/**
 * A name people read where it is shown (the pipeline's, a stage's, a job's,
 * an environment's): a string without control characters, which could only
 * be a mistake and would reach terminals and logs as they are.
 */
export function readName(problems: ProblemCollector, value: unknown, path: Path): string | undefined {
  const text = readString(problems, value, path);
  if (text === undefined) return undefined;
  const problem = controlCharacterProblem(text);
  if (problem === undefined) return text;
  problems.report(path, problem);
  return undefined;
}

/** Why `text` may not name something shown to people, or undefined when it may. */
export function controlCharacterProblem(text: string): string | undefined {
  const control = controlCharacter.exec(text)?.[0];
  if (control === undefined) return undefined;
  const code = `U+${control.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
  return `must not contain control characters (found ${code})`;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what a name may not hold
const controlCharacter = /[\u0000-\u001f\u007f-\u009f]/;

export function readBoolean(problems: ProblemCollector, value: unknown, path: Path): boolean | undefined {
  if (typeof value === 'boolean') return value;
  problems.report(path, `must be true or false (got ${describe(value)})`);
  return undefined;
}

export function readInteger(problems: ProblemCollector, value: unknown, path: Path, min: number): number | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= min) return value;
  const expected = min === 0 ? 'a whole number ≥ 0' : `a whole number ≥ ${min}`;
  problems.report(path, `must be ${expected} (got ${describe(value)})`);
  return undefined;
}

export function readDurationMs(problems: ProblemCollector, value: unknown, path: Path): number | undefined {
  const result = parseDuration(value);
  if (result.ok) return result.ms;
  problems.report(path, result.message);
  return undefined;
}

/**
 * A list of non-empty strings. A lone string is reported with the list form
 * to write instead (`steps: make` → `steps: ["make"]`).
 */
export function readStringList(
  problems: ProblemCollector,
  value: unknown,
  path: Path,
  field: string,
): string[] | undefined {
  if (typeof value === 'string') {
    problems.report(path, `must be a list, not a single string; write ${field}: ["${value}"]`);
    return undefined;
  }
  if (!Array.isArray(value)) {
    problems.report(path, `must be a list of strings (got ${describe(value)})`);
    return undefined;
  }
  const items: string[] = [];
  let valid = true;
  value.forEach((item: unknown, index) => {
    const text = readListItem(problems, item, [...path, index]);
    if (text === undefined) valid = false;
    else items.push(text);
  });
  return valid ? items : undefined;
}

function readListItem(problems: ProblemCollector, item: unknown, path: Path): string | undefined {
  if (isMapping(item)) {
    // `- echo "a: b"` unquoted parses as a mapping; the fix is quoting.
    problems.report(path, 'must be a string (got a mapping); quote the line if it contains ": "');
    return undefined;
  }
  return readString(problems, item, path);
}

/**
 * An environment mapping. Keys must be shell variable names; numbers and
 * booleans become strings as written (`1.10` stays `1.10`).
 */
export function readEnv(problems: ProblemCollector, value: unknown, path: Path): Map<string, string> | undefined {
  if (!isMapping(value)) {
    problems.report(path, `env must be a mapping of NAME: value (got ${describe(value)})`);
    return undefined;
  }
  const env = new Map<string, string>();
  let valid = true;
  for (const [key, raw] of Object.entries(value)) {
    if (!SHELL_NAME.test(key)) {
      problems.report([...path, key], `env name "${key}" is not a valid shell variable name`, 'key');
      valid = false;
      continue;
    }
    const text = scalarText(problems, raw, [...path, key]);
    if (text === undefined) {
      problems.report(
        [...path, key],
        `env value of "${key}" must be a string, number or boolean (got ${describe(raw)})`,
      );
      valid = false;
      continue;
    }
    env.set(key, text);
  }
  return valid ? env : undefined;
}

/** A string, number or boolean as text; numbers keep their written form. */
export function scalarText(problems: ProblemCollector, value: unknown, path: Path): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') return problems.sourceOf(path) ?? String(value);
  return undefined;
}

export function isShellName(text: string): boolean {
  return SHELL_NAME.test(text);
}
