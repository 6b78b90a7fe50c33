/** "Did you mean …?" for misspelt keys and job names. */

/** Keys people bring from other CI systems, mapped to Gantry's name for the same idea. */
const FAMILIAR_NAMES: ReadonlyMap<string, string> = new Map([
  ['script', 'steps'],
  ['commands', 'steps'],
  ['run', 'steps'],
  ['variables', 'env'],
  ['environment_variables', 'env'],
  ['needs', 'needs_artifacts'],
  ['dependencies', 'needs_artifacts'],
  ['tags', 'queue'],
  ['retries', 'retry'],
  ['approvals', 'approval'],
  ['approved_by', 'approvers'],
]);

/** The candidate an obvious typo of `input` was meant to be, or null when none is close. */
export function closestMatch(input: string, candidates: readonly string[]): string | null {
  const familiar = FAMILIAR_NAMES.get(input);
  if (familiar !== undefined && candidates.includes(familiar)) return familiar;

  const wanted = normalize(input);
  let best: string | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = editDistance(wanted, normalize(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best === null) return null;
  const allowed = Math.max(1, Math.floor(Math.max(wanted.length, best.length) / 3));
  return bestDistance <= allowed ? best : null;
}

/** ` (did you mean "steps"?)` or an empty string. */
export function didYouMean(input: string, candidates: readonly string[]): string {
  const match = closestMatch(input, candidates);
  return match === null ? '' : ` (did you mean "${match}"?)`;
}

function normalize(text: string): string {
  return text.toLowerCase().replace(/-/g, '_');
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array(rows * cols).fill(0);
  const at = (i: number, j: number): number => d[i * cols + j] ?? 0;
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, at(i - 2, j - 2) + 1);
      }
      d[i * cols + j] = value;
    }
  }
  return at(rows - 1, cols - 1);
}
