/**
 * Which refs a trigger may name: `HEAD`, or a name git's check-ref-format
 * accepts (one level allowed: `main`, `v1.2`, `refs/heads/main`). Revision
 * expressions (`main~1`, `HEAD^`, `:/msg`, `@{1}`) and anything that could
 * read as an option are refused, so what reaches git is only ever a ref.
 */
import { SourceError } from './source-error.js';

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what git refuses in ref names
const forbiddenCharacters = /[\u0000-\u0020\u007f~^:?*[\\]/;

/** Throws SourceError INVALID_REF naming the ref and the rule it breaks. */
export function assertRefName(ref: string): void {
  const problem = refNameProblem(ref);
  if (problem) throw new SourceError('INVALID_REF', `ref "${ref}" is not a valid git ref name: ${problem}`);
}

function refNameProblem(ref: string): string | null {
  if (ref === '') return 'it is empty';
  if (ref.startsWith('-')) return 'it starts with "-"';
  if (forbiddenCharacters.test(ref)) return 'it contains a space, a control character or one of ~ ^ : ? * [ \\';
  if (ref.includes('..') || ref.includes('@{') || ref === '@') return 'it contains "..", "@{" or is "@"';
  if (ref.startsWith('/') || ref.endsWith('/') || ref.includes('//')) return 'it has an empty path component';
  if (ref.endsWith('.')) return 'it ends with "."';
  for (const component of ref.split('/')) {
    if (component.startsWith('.')) return 'a component starts with "."';
    if (component.endsWith('.lock')) return 'a component ends with ".lock"';
  }
  return null;
}
