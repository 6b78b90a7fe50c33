/**
 * Bodies of /api/agent-tokens and POST /api/agents/:agent/revoke (see runs.ts
 * for how the schemas are used). An enrolment token lets agents enrol and
 * receive their own credentials; its secret is answered once and never stored.
 */
import { z } from '@hono/zod-openapi';

const timestamp = z.iso.datetime();
const queueName = /^[A-Za-z0-9_-]{1,64}$/;

export const CreateAgentTokenRequest = z
  .object({
    queues: z
      .array(z.string().regex(queueName, 'each queue must be 1 to 64 letters, digits, "_" or "-"'))
      .max(64, 'queues: at most 64')
      .optional()
      .openapi({ description: 'The queues agents enrolled with it may serve; without it, any queue.' }),
    expiresIn: z
      .string()
      .min(1)
      .max(32)
      .openapi({ description: 'How long it may be used to enrol, e.g. `1h` or `7d` (at most 365d).' }),
    uses: z
      .int()
      .min(1, 'uses must be at least 1')
      .max(10_000, 'uses: at most 10000')
      .optional()
      .openapi({ description: 'How many agents may enrol with it; without it, any number until it expires.' }),
  })
  .strict()
  .openapi('CreateAgentTokenRequest');

export const AgentToken = z
  .object({
    id: z.string().openapi({ description: 'What `gantry agent-token list` shows and `revoke` takes.' }),
    queues: z.array(z.string()).openapi({ description: 'Empty: any queue.' }),
    usesLeft: z.int().nullable().openapi({ description: 'Null: no limit until it expires.' }),
    expiresAt: timestamp,
    createdBy: z.string(),
    createdAt: timestamp,
  })
  .openapi('AgentToken');

export const CreatedAgentToken = AgentToken.extend({
  token: z.string().openapi({ description: 'The enrolment token itself; shown only this once.' }),
}).openapi('CreatedAgentToken');

export const AgentTokenList = z.object({ tokens: z.array(AgentToken) }).openapi('AgentTokenList');

export const RevokedAgentToken = z.object({ id: z.string(), revoked: z.literal(true) }).openapi('RevokedAgentToken');

export const RevokedAgent = z
  .object({
    id: z.string(),
    name: z.string(),
    revoked: z.literal(true),
    fencedAttempts: z.int().openapi({ description: 'Running attempts whose lease was ended by this revocation.' }),
  })
  .openapi('RevokedAgent');

export type AgentToken = z.infer<typeof AgentToken>;
