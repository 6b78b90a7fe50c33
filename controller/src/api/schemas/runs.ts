/**
 * Request and response bodies of /api/runs, declared once: the routes validate
 * with them, views.ts builds objects of their inferred types, and the OpenAPI
 * document (and through it @gantry/client) is generated from them.
 */
import { z } from '@hono/zod-openapi';
import { attemptStatuses, jobStatuses, runStatuses, stageStatuses } from '../../domain/states.js';

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
const printable = /^[^\u0000-\u001f\u007f]*$/;

// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is what is refused (Postgres cannot store it in text)
const printableText = /^[^\u0000]*$/;

const timestamp = z.iso.datetime();

export const TriggerRequest = z
  .object({
    repo: z
      .string()
      .trim()
      .min(1, 'repo is required: a git URL or a path on the controller host')
      .max(4096)
      .regex(printable, 'repo must not contain control characters')
      .openapi({ description: 'A git URL or a path on the controller host.' }),
    ref: z
      .string()
      .trim()
      .min(1)
      .max(255)
      .regex(printable, 'ref must not contain control characters')
      .default('HEAD')
      .openapi({ description: 'Branch, tag or other ref; resolved to a commit when the run is triggered.' }),
    sha: z
      .string()
      .regex(/^[0-9a-f]{7,64}$/i, 'sha must be a hex commit id')
      .optional()
      .openapi({ description: 'Build this commit; it must be the head of the ref or an ancestor of it.' }),
  })
  .strict()
  .openapi('TriggerRequest');

/** A push reported by a git server hook: which ref moved from which commit to which. */
export const PushRequest = z
  .object({
    repo: TriggerRequest.shape.repo,
    ref: z
      .string()
      .trim()
      .min(1)
      .max(255)
      .regex(/^refs\/(heads|tags)\/\S+$/, 'ref must be a full branch or tag name, refs/heads/… or refs/tags/…')
      .openapi({ description: 'The ref the push updated, in full.' }),
    before: z
      .string()
      .regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/i, 'before must be a full hex commit id (all zeros for a new ref)')
      .openapi({ description: "The ref's previous commit; all zeros when the push created the ref." }),
    after: z
      .string()
      .regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/i, 'after must be a full hex commit id')
      .openapi({ description: 'The commit the ref points at now; the run builds it.' }),
  })
  .strict()
  .openapi('PushRequest');

export const TriggerSkipped = z
  .object({ skipped: z.string().openapi({ description: "Why the push started no run (the pipeline's `on:`)." }) })
  .openapi('TriggerSkipped');

export const DecisionRequest = z
  .object({ comment: z.string().max(4000).regex(printableText, 'comment must not contain NUL characters').optional() })
  .strict()
  .openapi('DecisionRequest');

export const TriggerResponse = z
  .object({
    id: z.string(),
    status: z.enum(runStatuses),
    url: z.string().openapi({ description: "The run's web page (GANTRY_PUBLIC_URL/runs/ID)." }),
  })
  .openapi('TriggerResponse');

export const RunSummary = z
  .object({
    id: z.string(),
    status: z.enum(runStatuses),
    repo: z.string(),
    ref: z.string(),
    fullRef: z
      .string()
      .nullable()
      .openapi({ description: 'The ref in full (`refs/heads/main`, `refs/tags/v1`); null when it is neither.' }),
    sha: z.string().nullable().openapi({ description: 'The commit the run builds.' }),
    commitSubject: z.string().nullable().openapi({ description: "The first line of the commit's message." }),
    commitAuthor: z.string().nullable().openapi({ description: "The commit's author name." }),
    pipeline: z.string().nullable(),
    error: z.string().nullable().openapi({ description: 'Why the run failed before any job ran.' }),
    triggeredBy: z.string(),
    cancelRequested: z.boolean(),
    url: z.string().openapi({ description: "The run's web page." }),
    createdAt: timestamp,
    startedAt: timestamp.nullable(),
    finishedAt: timestamp.nullable(),
  })
  .openapi('RunSummary');

export const JobAttempt = z
  .object({
    attempt: z.int(),
    status: z.enum(attemptStatuses),
    agentId: z.string(),
    exitCode: z.int().nullable(),
    message: z.string().nullable(),
    startedAt: timestamp,
    finishedAt: timestamp.nullable(),
  })
  .openapi('JobAttempt');

export const JobCache = z
  .object({
    key: z.string().openapi({ description: 'The exact key the agent computed.' }),
    restore: z.enum(['hit', 'fallback', 'miss', 'skipped']),
    restoredKey: z.string().openapi({ description: "The key restored (a fallback's own); empty on a miss." }),
    restoredScope: z.string().openapi({ description: '"protected" or "ref:<ref>"; empty on a miss.' }),
    restoredBytes: z.int(),
    restoreMs: z.int(),
    save: z.enum(['saved', 'not_needed', 'skipped', 'failed']),
    savedScope: z.string(),
    savedBytes: z.int(),
    saveMs: z.int(),
    message: z.string(),
  })
  .openapi('JobCache');

export const Job = z
  .object({
    id: z.string(),
    name: z.string(),
    queue: z.string(),
    status: z.enum(jobStatuses),
    attempt: z.int().openapi({ description: 'The latest attempt, from 1.' }),
    agentId: z.string().nullable(),
    exitCode: z.int().nullable(),
    message: z.string().nullable(),
    queuedAt: timestamp.nullable(),
    startedAt: timestamp.nullable(),
    finishedAt: timestamp.nullable(),
    attempts: z.array(JobAttempt),
    caches: z.array(JobCache).openapi({
      description: 'What restoring and saving each cache did in the latest attempt (as its agent reported).',
    }),
  })
  .openapi('Job');

export const ApprovalDecision = z
  .object({
    decision: z.enum(['approved', 'rejected']),
    approver: z.string(),
    comment: z.string().nullable(),
    sha: z.string(),
    at: timestamp,
  })
  .openapi('ApprovalDecision');

export const Stage = z
  .object({
    name: z.string(),
    status: z.enum(stageStatuses),
    environment: z.string().nullable(),
    approval: z
      .object({ required: z.int(), approvers: z.array(z.string()), decisions: z.array(ApprovalDecision) })
      .nullable(),
    concurrency: z
      .object({
        group: z.string(),
        waitingFor: z
          .object({ runId: z.string(), stage: z.string() })
          .nullable()
          .openapi({ description: 'While the stage is waiting_for_concurrency: the run and stage holding the group.' }),
      })
      .nullable()
      .openapi({ description: 'The concurrency group of the stage, if any.' }),
    skipReason: z.string().nullable().openapi({
      description: "Why the stage is `skipped` from the start (its `if:` does not hold for the run's ref).",
    }),
    startedAt: timestamp.nullable(),
    finishedAt: timestamp.nullable(),
    jobs: z.array(Job),
  })
  .openapi('Stage');

export const JobSteps = z
  .object({
    attempt: z.int().nullable().openapi({ description: 'The attempt shown; null when the job has not started.' }),
    steps: z.array(
      z.object({
        index: z.int(),
        command: z.string(),
        status: z
          .enum(['pending', 'running', 'succeeded', 'failed', 'timed_out', 'canceled'])
          .openapi({ description: '`pending`: not started (in this attempt).' }),
        exitCode: z.int().nullable(),
        startedAt: timestamp.nullable(),
        finishedAt: timestamp.nullable(),
      }),
    ),
  })
  .openapi('JobSteps');

export const RunDetail = RunSummary.extend({ stages: z.array(Stage) }).openapi('RunDetail');

export const RunListEntry = RunSummary.extend({
  stages: z
    .array(z.object({ name: z.string(), status: z.enum(stageStatuses) }))
    .openapi({ description: 'Each stage of the run in order, by name and status.' }),
}).openapi('RunListEntry');

export const RunList = z
  .object({
    runs: z.array(RunListEntry),
    next: z.string().nullable().openapi({
      description: 'Pass as `before` for the next page, older runs; null when this page holds the oldest matching run.',
    }),
  })
  .openapi('RunList');

export const CancelResponse = z
  .object({
    stoppingJobs: z.int().openapi({ description: 'Running jobs whose agents were told to stop.' }),
    run: RunDetail.nullable(),
  })
  .openapi('CancelResponse');

export const RetryResponse = z.object({ run: RunDetail.nullable() }).openapi('RetryResponse');

export const DecisionResponse = z
  .object({
    decision: z.enum(['approved', 'rejected']),
    approver: z.string(),
    stage: z.object({ name: z.string(), status: z.enum(stageStatuses).nullable() }),
    run: RunDetail.nullable(),
  })
  .openapi('DecisionResponse');

export type TriggerResponse = z.infer<typeof TriggerResponse>;
export type TriggerSkipped = z.infer<typeof TriggerSkipped>;
export type RunSummary = z.infer<typeof RunSummary>;
export type RunListEntry = z.infer<typeof RunListEntry>;
export type RunDetail = z.infer<typeof RunDetail>;
export type Stage = z.infer<typeof Stage>;
export type Job = z.infer<typeof Job>;
export type JobCache = z.infer<typeof JobCache>;
