/**
 * What a test report says, once read: suites of cases, each with a status,
 * its duration and, for a case that did not pass, the message and output.
 * Produced by junit-report.ts, stored by store/test-reports-repository.ts.
 */

export type TestStatus = 'passed' | 'failed' | 'error' | 'skipped';
export const TEST_STATUSES: readonly TestStatus[] = ['passed', 'failed', 'error', 'skipped'];

export interface TestCaseResult {
  /** The suite holding the case (a file, a package, a class). */
  suite: string;
  /** `classname` as the runner wrote it; '' when absent. */
  className: string;
  name: string;
  status: TestStatus;
  /** null when the report gives no (readable) time. */
  durationMs: number | null;
  /** The failure's, error's or skip's message: its `message` attribute, else its text's first line. */
  message: string | null;
  /** The failure's or error's text (a stack, a diff), then the case's stdout/stderr; bounded. */
  output: string | null;
  /** The runner re-ran it after a failure and it passed (Surefire's flakyFailure). */
  flaky: boolean;
}

export interface TestCounts {
  total: number;
  passed: number;
  failed: number;
  error: number;
  skipped: number;
}

export function countCases(cases: readonly Pick<TestCaseResult, 'status'>[]): TestCounts {
  const counts: TestCounts = { total: cases.length, passed: 0, failed: 0, error: 0, skipped: 0 };
  for (const testCase of cases) counts[testCase.status] += 1;
  return counts;
}
