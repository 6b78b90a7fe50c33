/**
 * A job's `steps:` list. Each step is a shell line, or a mapping
 * `{ run: LINE, timeout: DURATION }` when that step needs its own timeout.
 */
import { formatBytes, overLimit, type PipelineLimits, utf8Bytes } from './limits.js';
import type { Path } from './locate.js';
import type { ProblemCollector } from './problems.js';
import { describe, isMapping, readDurationMs, readMapping, readString, reportMissing } from './schema.js';

export const STEP_KEYS = ['run', 'timeout'];

export interface StepList {
  steps: string[];
  /** Parallel to `steps`; null = no step timeout. */
  timeoutsMs: (number | null)[];
}

export function readSteps(problems: ProblemCollector, value: unknown, path: Path, limits: PipelineLimits): StepList {
  const list: StepList = { steps: [], timeoutsMs: [] };
  if (typeof value === 'string') {
    problems.report(path, `must be a list, not a single string; write steps: ["${value}"]`);
    return list;
  }
  if (!Array.isArray(value)) {
    problems.report(path, `must be a list of shell lines or { run, timeout } mappings (got ${describe(value)})`);
    return list;
  }
  if (value.length === 0) problems.report(path, 'must list at least one step');
  if (value.length > limits.maxStepsPerJob) {
    problems.report(path, `${value.length} steps, ${overLimit(limits, 'maxStepsPerJob', 'count')}`);
    return list;
  }
  const withinLimit = (line: string, linePath: Path): boolean => {
    const bytes = utf8Bytes(line);
    if (bytes <= limits.maxStepBytes) return true;
    problems.report(linePath, `step is ${formatBytes(bytes)}, ${overLimit(limits, 'maxStepBytes', 'bytes')}`);
    return false;
  };
  value.forEach((item: unknown, index) => {
    const itemPath = [...path, index];
    if (!isMapping(item)) {
      const line = readString(problems, item, itemPath);
      if (line !== undefined && withinLimit(line, itemPath)) {
        list.steps.push(line);
        list.timeoutsMs.push(null);
      }
      return;
    }
    if (!('run' in item) && !('timeout' in item)) {
      // `- echo "a: b"` unquoted parses as a mapping; the fix is quoting.
      problems.report(itemPath, 'must be a shell line or { run, timeout }; quote the line if it contains ": "');
      return;
    }
    const step = readMapping(problems, item, itemPath, STEP_KEYS, 'a step');
    if (step === undefined) return;
    if (step.run === undefined) {
      reportMissing(problems, itemPath, 'run');
      return;
    }
    const line = readString(problems, step.run, [...itemPath, 'run']);
    const timeoutMs =
      step.timeout === undefined ? null : (readDurationMs(problems, step.timeout, [...itemPath, 'timeout']) ?? null);
    if (line !== undefined && withinLimit(line, [...itemPath, 'run'])) {
      list.steps.push(line);
      list.timeoutsMs.push(timeoutMs);
    }
  });
  return list;
}
