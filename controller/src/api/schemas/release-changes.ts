/** "What would this release change" as the API answers it. */
import { z } from '@hono/zod-openapi';
import { Deployment } from './deployments.js';

const Commit = z
  .object({ sha: z.string(), author: z.string(), committedAt: z.string(), subject: z.string() })
  .openapi('CommitSummary');

export const ReleaseChanges = z
  .object({
    environment: z.string(),
    live: Deployment.nullable().openapi({ description: 'What is live there now; null when nothing is.' }),
    candidate: z.object({ runId: z.string(), sha: z.string(), stage: z.string() }),
    commits: z.object({
      added: z
        .array(Commit)
        .openapi({ description: 'Commits the candidate has and the live deployment lacks, newest first.' }),
      removed: z
        .array(Commit)
        .openapi({ description: 'Commits live now that the candidate lacks (a rollback removes them).' }),
      truncated: z.boolean().openapi({ description: 'More commits than listed.' }),
      known: z.boolean().openapi({ description: 'false when git could not compare the two commits.' }),
    }),
    artifacts: z
      .array(
        z.object({
          job: z.string(),
          path: z.string(),
          liveSha256: z.string().nullable().openapi({ description: 'null: not live now (a new file).' }),
          candidateSha256: z.string().nullable().openapi({ description: 'null: the candidate does not deploy it.' }),
        }),
      )
      .openapi({ description: 'Only the files whose digests differ.' }),
  })
  .openapi('ReleaseChanges');
