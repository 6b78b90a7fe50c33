/** Response bodies of /api/agents (see runs.ts for how the schemas are used). */
import { z } from '@hono/zod-openapi';

export const Agent = z
  .object({
    id: z.string(),
    name: z.string(),
    hostname: z.string(),
    queues: z.array(z.string()),
    slots: z.int(),
    version: z.string(),
    connected: z.boolean().openapi({ description: 'Its Connect stream to the controller is open.' }),
    draining: z.boolean().openapi({ description: 'It finishes its jobs and takes no new ones.' }),
    revoked: z.boolean().openapi({ description: 'Revoked by an admin: its calls are refused.' }),
    registeredAt: z.iso.datetime(),
    lastSeenAt: z.iso.datetime(),
    jobs: z
      .array(z.object({ runId: z.string(), jobId: z.string(), name: z.string(), attempt: z.int() }))
      .openapi({ description: 'The jobs it runs now (slots busy).' }),
  })
  .openapi('Agent');

export const AgentList = z.object({ agents: z.array(Agent) }).openapi('AgentList');

export const DrainResponse = z.object({ id: z.string(), draining: z.literal(true) }).openapi('DrainResponse');

export type Agent = z.infer<typeof Agent>;
