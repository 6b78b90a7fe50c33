/**
 * The `env` of the pipeline and of a stage: plain values, no `${{ … }}`
 * (matrix values belong to a job). Jobs get pipeline env, then stage env,
 * then their own (later wins).
 */
import type { Path } from './locate.js';
import type { ProblemCollector } from './problems.js';
import { readEnv } from './schema.js';

export function readPlainEnv(
  problems: ProblemCollector,
  value: unknown,
  path: Path,
  level: 'pipeline' | 'stage',
): Map<string, string> {
  if (value === undefined) return new Map();
  const env = readEnv(problems, value, path) ?? new Map<string, string>();
  for (const [key, text] of env) {
    if (text.includes('${{')) {
      problems.report(
        [...path, key],
        `"\${{ … }}" cannot be used in the ${level} env; set the variable in the job's env`,
      );
    }
  }
  return env;
}
