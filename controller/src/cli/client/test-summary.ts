/**
 * The end of `gantry trigger --follow`: the run's test counts and each
 * failing case by name with its message's first line, when its jobs had
 * JUnit reports. Nothing when they had none (or the controller predates
 * them); a note when the API cannot say. Names and messages come from the
 * job's report files, so they are printed through `printable`.
 */
import { type ApiClient, ApiError, ApiUnreachableError } from './api-client.js';
import { printable } from './format.js';
import type { CliIo } from './io.js';

/** Failing cases named at most; the rest are counted. */
export const maxFailuresPrinted = 50;

export async function printTestSummary(api: ApiClient, runId: string, io: CliIo): Promise<void> {
  let tests: Awaited<ReturnType<ApiClient['getRunTests']>>;
  try {
    tests = await api.getRunTests(runId, maxFailuresPrinted);
  } catch (error) {
    // A controller from before test reports has no such route: nothing to say.
    if (error instanceof ApiError && error.status === 404) return;
    if (error instanceof ApiError || error instanceof ApiUnreachableError) {
      io.stdout(`(test results unavailable: ${error.message})\n`);
      return;
    }
    throw error;
  }
  if (tests.jobs.length === 0) return;
  const { counts } = tests;
  io.stdout(
    `tests: ${counts.total} total, ${counts.passed} passed, ${counts.failed} failed, ${counts.error} errors, ${counts.skipped} skipped\n`,
  );
  for (const job of tests.jobs) {
    for (const report of job.reports) {
      if (report.status === 'refused')
        io.stdout(
          `  report ${printable(job.jobName)}: ${printable(report.path)} refused: ${printable(report.problem ?? '')}\n`,
        );
    }
  }
  const failing = tests.cases.filter((testCase) => testCase.status === 'failed' || testCase.status === 'error');
  if (failing.length === 0) return;
  io.stdout('failing tests:\n');
  for (const testCase of failing) {
    const where = [testCase.suite, testCase.name]
      .filter((part) => part !== '')
      .map(printable)
      .join(' › ');
    const message = printable(testCase.message?.split('\n', 1)[0] ?? '');
    io.stdout(
      `  ✗ ${printable(testCase.jobName)}: ${where}${testCase.status === 'error' ? ' (error)' : ''}${message ? ` — ${message}` : ''}\n`,
    );
  }
  const unnamed = counts.failed + counts.error - failing.length;
  if (unnamed > 0) io.stdout(`  … and ${unnamed} more (gantry: GET /api/runs/${runId}/tests)\n`);
}
