/**
 * Test reports and their cases. A report is recorded once per attempt and
 * path (CommitArtifacts is retried; the first reading counts), with its cases
 * in the same transaction, so a reader sees a report with all its cases or
 * not at all.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { TestCaseResult, TestStatus } from '../reports/test-results.js';
import { inBatches } from './batches.js';
import { type Database, type Queryable, queryRows } from './database.js';
import { testCases, testReports } from './schema.js';

export type ReportReading = { status: 'read'; cases: TestCaseResult[] } | { status: 'refused'; problem: string };

export interface ReportKey {
  runId: string;
  jobId: string;
  attempt: number;
  path: string;
}

/** Records the reading of one report; false when the attempt already has a report at that path (nothing changes). */
export async function recordTestReport(db: Database, key: ReportKey, reading: ReportReading): Promise<boolean> {
  return db.transaction(async (tx) => {
    const id = randomUUID();
    const inserted = await tx
      .insert(testReports)
      .values({
        id,
        ...key,
        status: reading.status,
        problem: reading.status === 'refused' ? reading.problem : null,
      })
      .onConflictDoNothing()
      .returning({ id: testReports.id });
    if (inserted.length === 0 || reading.status === 'refused') return inserted.length > 0;
    const rows = reading.cases.map((testCase) => ({
      reportId: id,
      runId: key.runId,
      jobId: key.jobId,
      attempt: key.attempt,
      suite: testCase.suite,
      className: testCase.className,
      name: testCase.name,
      status: testCase.status,
      durationMs: testCase.durationMs,
      message: testCase.message,
      output: testCase.output,
      flaky: testCase.flaky,
    }));
    const bytesOf = (row: (typeof rows)[number]) => (row.output?.length ?? 0) + (row.message?.length ?? 0) + 200;
    for (const batch of inBatches(rows, bytesOf)) await tx.insert(testCases).values(batch);
    return true;
  });
}

/** What was recorded for one report of an attempt, or null. */
export async function findTestReport(
  db: Queryable,
  jobId: string,
  attempt: number,
  path: string,
): Promise<{ status: 'read' | 'refused'; problem: string | null; counts: Record<TestStatus, number> } | null> {
  const rows = await queryRows<{
    status: 'read' | 'refused';
    problem: string | null;
    counts: Record<TestStatus, number>;
  }>(
    db,
    sql`
    select r.status, r.problem, jsonb_build_object(
      'passed', count(c.id) filter (where c.status = 'passed'), 'failed', count(c.id) filter (where c.status = 'failed'),
      'error', count(c.id) filter (where c.status = 'error'), 'skipped', count(c.id) filter (where c.status = 'skipped')
    ) as counts
    from test_reports r left join test_cases c on c.report_id = r.id
    where r.job_id = ${jobId} and r.attempt = ${attempt} and r.path = ${path}
    group by r.id`,
  );
  return rows[0] ?? null;
}

/** The committed file of an attempt at `path` (its run and size), or null. */
export async function committedFile(
  db: Queryable,
  jobId: string,
  attempt: number,
  path: string,
): Promise<{ runId: string; size: number } | null> {
  const rows = await queryRows<{ run_id: string; size: string | number }>(
    db,
    sql`select run_id, size from artifacts where job_id = ${jobId} and attempt = ${attempt} and path = ${path}`,
  );
  const row = rows[0];
  return row ? { runId: row.run_id, size: Number(row.size) } : null;
}
