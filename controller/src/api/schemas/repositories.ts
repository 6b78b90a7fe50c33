/** Bodies of /api/repositories: a repository registered for push webhooks (its secret is never returned). */
import { z } from '@hono/zod-openapi';

export const AddRepositoryRequest = z
  .object({
    url: z
      .string()
      .trim()
      .min(1)
      .max(4096)
      .regex(/^\S+$/, 'url must not contain spaces')
      .openapi({ description: "The clone URL as the hosting service's payload names it; runs build it." }),
    webhookSecret: z
      .string()
      .min(16, 'webhookSecret must be at least 16 characters')
      .max(1024)
      .openapi({ description: 'The secret the webhook is configured with; verifies X-Hub-Signature-256.' }),
  })
  .strict()
  .openapi('AddRepositoryRequest');

export const Repository = z
  .object({ url: z.string(), createdBy: z.string(), createdAt: z.iso.datetime() })
  .openapi('Repository');

export const RepositoryList = z.object({ repositories: z.array(Repository) }).openapi('RepositoryList');
