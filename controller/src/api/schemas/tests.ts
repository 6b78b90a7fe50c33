/** Test results (from the jobs' JUnit reports) as the API answers them. */
import { z } from '@hono/zod-openapi';

export const TestStatus = z.enum(['passed', 'failed', 'error', 'skipped']).openapi('TestStatus');

export const TestCounts = z
  .object({ total: z.int(), passed: z.int(), failed: z.int(), error: z.int(), skipped: z.int() })
  .openapi('TestCounts');

export const JobTests = z
  .object({
    jobId: z.string(),
    jobName: z.string(),
    stage: z.string(),
    attempt: z.int().openapi({ description: "The job's current attempt, whose reports these are." }),
    counts: TestCounts,
    reports: z.array(
      z.object({
        path: z.string(),
        status: z.enum(['read', 'refused']),
        problem: z.string().nullable().openapi({ description: 'Why the report was refused (malformed, too big…).' }),
      }),
    ),
  })
  .openapi('JobTests');

export const TestCase = z
  .object({
    jobId: z.string(),
    jobName: z.string(),
    suite: z.string(),
    className: z.string(),
    name: z.string(),
    status: TestStatus,
    durationMs: z.int().nullable(),
    message: z.string().nullable().openapi({ description: "The failure's, error's or skip's message." }),
    output: z
      .string()
      .nullable()
      .openapi({ description: "The failure's text (stack, diff) and the case's output; bounded." }),
    flaky: z.boolean().openapi({ description: 'The runner re-ran it after a failure and it passed.' }),
  })
  .openapi('TestCase');

export const RunTests = z
  .object({
    runId: z.string(),
    counts: TestCounts,
    jobs: z.array(JobTests),
    cases: z
      .array(TestCase)
      .openapi({ description: 'Failed first, then errors, skipped and passed; at most `limit`.' }),
    truncated: z.boolean().openapi({ description: 'More cases than `limit` exist.' }),
  })
  .openapi('RunTests');

export const FlakyTest = z
  .object({
    jobName: z.string(),
    suite: z.string(),
    className: z.string(),
    name: z.string(),
    flakes: z.int().openapi({ description: 'Commits on which the case failed and then passed (a retry or a re-run).' }),
    failures: z.int().openapi({ description: 'Failed or errored results over the runs looked at.' }),
    lastFlakedAt: z.string().openapi({ description: 'When the latest flaky pass was recorded (ISO 8601).' }),
    lastRunId: z.string(),
    lastMessage: z.string().nullable().openapi({ description: 'The latest failure message.' }),
  })
  .openapi('FlakyTest');

export const FlakyTestList = z
  .object({ repo: z.string(), runs: z.int().openapi({ description: 'Runs looked at.' }), tests: z.array(FlakyTest) })
  .openapi('FlakyTestList');
