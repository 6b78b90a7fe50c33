/**
 * Matrix jobs: `matrix: { node: ["20", "22"], os: [linux] }` becomes one job
 * per combination, named `api (node=20, os=linux)`, with `${{ matrix.node }}`
 * substituted in its steps and env values and `MATRIX_NODE=20` in its env.
 */
import type { Path } from './locate.js';
import type { ProblemCollector } from './problems.js';
import { controlCharacterProblem, describe, isMapping, isShellName, scalarText } from './schema.js';
import { didYouMean } from './suggest.js';

/** Variables in the order written, each with its values. */
export type Matrix = ReadonlyArray<readonly [variable: string, values: readonly string[]]>;
export type MatrixCell = Record<string, string>;

/** More cells than this is almost certainly a mistake, and would flood the queue. */
export const MAX_MATRIX_CELLS = 256;

const EXPRESSION = /\$\{\{(.*?)\}\}/g;
const MATRIX_REFERENCE = /^matrix\.([A-Za-z0-9_-]+)$/;

export function readMatrix(problems: ProblemCollector, value: unknown, path: Path): Matrix | undefined {
  if (!isMapping(value) || Object.keys(value).length === 0) {
    problems.report(path, `matrix must be a mapping of variable: [values] (got ${describe(value)})`);
    return undefined;
  }
  const matrix: [string, string[]][] = [];
  const envNames = new Map<string, string>();
  let valid = true;
  for (const [variable, raw] of Object.entries(value)) {
    const variablePath = [...path, variable];
    if (!isShellName(variable)) {
      problems.report(variablePath, `matrix variable "${variable}" must be letters, digits and _`, 'key');
      valid = false;
    } else {
      const envName = matrixEnvName(variable);
      const clash = envNames.get(envName);
      if (clash !== undefined) {
        problems.report(variablePath, `matrix variables "${clash}" and "${variable}" both set ${envName}`, 'key');
        valid = false;
      }
      envNames.set(envName, variable);
    }
    const values = readValues(problems, raw, variablePath, variable);
    if (values === undefined) valid = false;
    else matrix.push([variable, values]);
  }
  if (!valid) return undefined;
  const cells = matrix.reduce((count, [, values]) => count * values.length, 1);
  if (cells > MAX_MATRIX_CELLS) {
    problems.report(path, `matrix expands to ${cells} jobs; at most ${MAX_MATRIX_CELLS} are allowed`);
    return undefined;
  }
  return matrix;
}

function readValues(problems: ProblemCollector, raw: unknown, path: Path, variable: string): string[] | undefined {
  if (!Array.isArray(raw) || raw.length === 0) {
    problems.report(path, `matrix variable "${variable}" must be a non-empty list of values (got ${describe(raw)})`);
    return undefined;
  }
  if (raw.length > MAX_MATRIX_CELLS) {
    problems.report(
      path,
      `matrix variable "${variable}" has ${raw.length} values; at most ${MAX_MATRIX_CELLS} are allowed`,
    );
    return undefined;
  }
  const values: string[] = [];
  let valid = true;
  raw.forEach((item: unknown, index) => {
    const text = scalarText(problems, item, [...path, index]);
    // A value becomes part of a job's name, which people read on terminals.
    const controlProblem = text === undefined ? undefined : controlCharacterProblem(text);
    if (text === undefined || text === '') {
      problems.report(
        [...path, index],
        `matrix value must be a non-empty string, number or boolean (got ${describe(item)})`,
      );
      valid = false;
    } else if (controlProblem !== undefined) {
      problems.report([...path, index], `matrix value ${controlProblem}`);
      valid = false;
    } else if (values.includes(text)) {
      problems.report([...path, index], `matrix value "${text}" is listed twice`);
      valid = false;
    } else {
      values.push(text);
    }
  });
  return valid ? values : undefined;
}

/** Every combination, the first variable varying slowest. */
export function expandMatrix(matrix: Matrix): MatrixCell[] {
  let cells: MatrixCell[] = [{}];
  for (const [variable, values] of matrix) {
    cells = cells.flatMap((cell) => values.map((value) => ({ ...cell, [variable]: value })));
  }
  return cells;
}

/** `api` + `{ node: "20", os: "linux" }` → `api (node=20, os=linux)`. */
export function matrixJobName(baseName: string, cell: MatrixCell): string {
  const parts = Object.entries(cell).map(([variable, value]) => `${variable}=${value}`);
  return `${baseName} (${parts.join(', ')})`;
}

/** `node` → `MATRIX_NODE`. */
export function matrixEnvName(variable: string): string {
  return `MATRIX_${variable.toUpperCase()}`;
}

/**
 * Reports every `${{ … }}` in `text` that is not `${{ matrix.VAR }}` with VAR
 * in `matrix` (null: the job has no matrix).
 */
export function checkExpressions(problems: ProblemCollector, text: string, path: Path, matrix: Matrix | null): void {
  const variables = matrix?.map(([variable]) => variable) ?? [];
  for (const match of text.matchAll(EXPRESSION)) {
    const expression = match[0];
    const reference = MATRIX_REFERENCE.exec((match[1] ?? '').trim());
    if (reference === null) {
      problems.report(path, `unsupported expression "${expression}"; only \${{ matrix.NAME }} is supported`);
    } else if (matrix === null) {
      problems.report(path, `"${expression}" is used but the job has no matrix`);
    } else {
      const variable = reference[1] ?? '';
      if (!variables.includes(variable)) {
        problems.report(
          path,
          `unknown matrix variable "${variable}" in "${expression}"${didYouMean(variable, variables)}`,
        );
      }
    }
  }
}

/** Every `${{ matrix.VAR }}` in `text`, as written, with its variable (other expressions are left out). */
export function matrixReferences(text: string): { expression: string; variable: string }[] {
  const references: { expression: string; variable: string }[] = [];
  for (const match of text.matchAll(EXPRESSION)) {
    const variable = MATRIX_REFERENCE.exec((match[1] ?? '').trim())?.[1];
    if (variable !== undefined) references.push({ expression: match[0], variable });
  }
  return references;
}

/** Replaces `${{ matrix.VAR }}` with the cell's value; call after `checkExpressions` found nothing. */
export function substituteMatrix(text: string, cell: MatrixCell): string {
  return text.replace(EXPRESSION, (expression, inner: string) => {
    const variable = MATRIX_REFERENCE.exec(inner.trim())?.[1];
    return variable !== undefined && Object.hasOwn(cell, variable) ? (cell[variable] ?? expression) : expression;
  });
}
