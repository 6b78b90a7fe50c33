/**
 * The test results of a run as readers see them: for each job, the reports
 * of its current attempt (an earlier attempt's results are history, see
 * flaky-tests-repository.ts) with their counts, and the cases, failing first.
 */
import { sql } from 'drizzle-orm';
import type { TestCounts, TestStatus } from '../reports/test-results.js';
import { type Queryable, queryRows } from './database.js';

export interface JobTestSummary {
  jobId: string;
  jobName: string;
  stage: string;
  attempt: number;
  counts: TestCounts;
  reports: { path: string; status: 'read' | 'refused'; problem: string | null }[];
}

export interface RunTestCase {
  jobId: string;
  jobName: string;
  suite: string;
  className: string;
  name: string;
  status: TestStatus;
  durationMs: number | null;
  message: string | null;
  output: string | null;
  flaky: boolean;
}

interface SummaryRow {
  job_id: string;
  job_name: string;
  stage: string;
  attempt: number;
  reports: { path: string; status: 'read' | 'refused'; problem: string | null }[];
  passed: number;
  failed: number;
  error: number;
  skipped: number;
}

/** The jobs of the run whose current attempt has reports, in stage and job order. */
export async function runTestSummaries(db: Queryable, runId: string): Promise<JobTestSummary[]> {
  const rows = await queryRows<SummaryRow>(
    db,
    sql`
    select jobs.id as job_id, jobs.name as job_name, stages.name as stage, jobs.attempt,
      (select jsonb_agg(jsonb_build_object('path', r.path, 'status', r.status, 'problem', r.problem) order by r.path)
        from test_reports r where r.job_id = jobs.id and r.attempt = jobs.attempt) as reports,
      (select count(*)::int from test_cases c where c.job_id = jobs.id and c.attempt = jobs.attempt and c.status = 'passed') as passed,
      (select count(*)::int from test_cases c where c.job_id = jobs.id and c.attempt = jobs.attempt and c.status = 'failed') as failed,
      (select count(*)::int from test_cases c where c.job_id = jobs.id and c.attempt = jobs.attempt and c.status = 'error') as error,
      (select count(*)::int from test_cases c where c.job_id = jobs.id and c.attempt = jobs.attempt and c.status = 'skipped') as skipped
    from jobs join stages on stages.id = jobs.stage_id
    where jobs.run_id = ${runId}
      and exists (select 1 from test_reports r where r.job_id = jobs.id and r.attempt = jobs.attempt)
    order by stages.position, jobs.position`,
  );
  return rows.map((row) => ({
    jobId: row.job_id,
    jobName: row.job_name,
    stage: row.stage,
    attempt: row.attempt,
    reports: row.reports ?? [],
    counts: {
      total: row.passed + row.failed + row.error + row.skipped,
      passed: row.passed,
      failed: row.failed,
      error: row.error,
      skipped: row.skipped,
    },
  }));
}

/** The cases of the jobs' current attempts: failed, then errors, skipped, passed; at most `limit`. */
export async function runTestCases(db: Queryable, runId: string, limit: number): Promise<RunTestCase[]> {
  const rows = await queryRows<{
    job_id: string;
    job_name: string;
    suite: string;
    class_name: string;
    name: string;
    status: TestStatus;
    duration_ms: number | null;
    message: string | null;
    output: string | null;
    flaky: boolean;
  }>(
    db,
    sql`
    select c.job_id, jobs.name as job_name, c.suite, c.class_name, c.name, c.status, c.duration_ms, c.message, c.output, c.flaky
    from test_cases c join jobs on jobs.id = c.job_id and jobs.attempt = c.attempt join stages on stages.id = jobs.stage_id
    where c.run_id = ${runId}
    order by case c.status when 'failed' then 0 when 'error' then 1 when 'skipped' then 2 else 3 end,
      stages.position, jobs.position, c.id
    limit ${limit}`,
  );
  return rows.map((row) => ({
    jobId: row.job_id,
    jobName: row.job_name,
    suite: row.suite,
    className: row.class_name,
    name: row.name,
    status: row.status,
    durationMs: row.duration_ms,
    message: row.message,
    output: row.output,
    flaky: row.flaky,
  }));
}
