/**
 * A job's `reports:` key: files the job writes that the controller reads
 * after the job, whatever its result. Today one kind, `junit` (globs of
 * JUnit XML files, relative to the workspace).
 */
import type { Path } from './locate.js';
import type { JobReports } from './model.js';
import type { ProblemCollector } from './problems.js';
import { readMapping, readStringList } from './schema.js';

export const REPORTS_KEYS = ['junit'];

export const NO_REPORTS: JobReports = { junit: [] };

export function readReports(problems: ProblemCollector, value: unknown, path: Path): JobReports {
  const mapping = readMapping(problems, value, path, REPORTS_KEYS, 'reports');
  if (mapping === undefined || mapping.junit === undefined) return { junit: [] };
  const junitPath = [...path, 'junit'];
  const globs = readStringList(problems, mapping.junit, junitPath, 'junit') ?? [];
  globs.forEach((glob, index) => {
    if (/^([/\\~]|[A-Za-z]:)/.test(glob)) {
      problems.report([...junitPath, index], `report path "${glob}" must be relative to the workspace`);
    } else if (glob.split(/[/\\]/).includes('..')) {
      problems.report(
        [...junitPath, index],
        `report path "${glob}" must not contain ".." (it must stay inside the workspace)`,
      );
    }
  });
  return { junit: globs };
}
