/**
 * Flaky test cases: a case flaked on a commit when, among the results of
 * that commit (every attempt of every run of the sha), a pass came after a
 * failure or error; Surefire's own re-runs (`flaky`) count too. Cases are
 * told apart by job name, suite, class name and name.
 */
import { sql } from 'drizzle-orm';
import { type Queryable, queryRows } from './database.js';

export interface FlakyTestCase {
  jobName: string;
  suite: string;
  className: string;
  name: string;
  /** Commits it flaked on. */
  flakes: number;
  /** Failed or errored results. */
  failures: number;
  lastFlakedAt: Date;
  lastRunId: string;
  lastMessage: string | null;
}

interface FlakyRow {
  job_name: string;
  suite: string;
  class_name: string;
  name: string;
  flakes: number;
  failures: number;
  last_flaked_at: Date | string;
  last_run_id: string;
  last_message: string | null;
}

/** The flakiest cases of the repository's latest `runs` runs, at most `limit`. */
export async function flakyTests(db: Queryable, repo: string, runs: number, limit: number): Promise<FlakyTestCase[]> {
  const rows = await queryRows<FlakyRow>(
    db,
    sql`
    with recent as (
      select id, sha, created_at, seq from runs where repo = ${repo} and sha is not null order by created_at desc, seq desc limit ${runs}
    ),
    results as (
      select jobs.name as job_name, c.suite, c.class_name, c.name, c.status, c.message, c.flaky, r.sha, r.id as run_id,
        report.created_at as at, row_number() over (order by r.created_at, r.seq, c.attempt, c.id) as ord
      from test_cases c join recent r on r.id = c.run_id join jobs on jobs.id = c.job_id
        join test_reports report on report.id = c.report_id
    ),
    per_commit as (
      select job_name, suite, class_name, name, sha,
        count(*) filter (where status in ('failed', 'error'))::int as failures,
        coalesce(max(ord) filter (where status = 'passed') > min(ord) filter (where status in ('failed', 'error')), false)
          or bool_or(flaky) as flaked,
        max(ord) filter (where status = 'passed') as last_pass
      from results group by job_name, suite, class_name, name, sha
    ),
    per_case as (
      select job_name, suite, class_name, name, count(*) filter (where flaked)::int as flakes, sum(failures)::int as failures,
        max(last_pass) filter (where flaked) as last_pass
      from per_commit group by job_name, suite, class_name, name
      having count(*) filter (where flaked) > 0
    )
    select p.job_name, p.suite, p.class_name, p.name, p.flakes, p.failures, pass.at as last_flaked_at,
      pass.run_id as last_run_id,
      (select f.message from results f
        where f.job_name = p.job_name and f.suite = p.suite and f.class_name = p.class_name and f.name = p.name
          and f.status in ('failed', 'error')
        order by f.ord desc limit 1) as last_message
    from per_case p join results pass on pass.ord = p.last_pass
    order by p.flakes desc, p.failures desc, pass.at desc
    limit ${limit}`,
  );
  return rows.map((row) => ({
    jobName: row.job_name,
    suite: row.suite,
    className: row.class_name,
    name: row.name,
    flakes: row.flakes,
    failures: row.failures,
    lastFlakedAt: new Date(row.last_flaked_at),
    lastRunId: row.last_run_id,
    lastMessage: row.last_message,
  }));
}
