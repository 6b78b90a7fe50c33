/** Deployments (what each environment received, when, from which run) as the API answers them. */
import { z } from '@hono/zod-openapi';

export const DeploymentArtifact = z
  .object({ job: z.string(), path: z.string(), sha256: z.string() })
  .openapi('DeploymentArtifact');

export const Deployment = z
  .object({
    id: z.string(),
    environment: z.string(),
    runId: z.string(),
    stage: z.string(),
    sha: z.string().openapi({ description: 'The commit deployed.' }),
    ref: z.string(),
    commitSubject: z.string().nullable(),
    artifacts: z
      .array(DeploymentArtifact)
      .openapi({ description: "The files the stage's jobs received, with their digests." }),
    approvers: z.array(z.string()).openapi({ description: 'Who released it at the gate (empty: no gate).' }),
    kind: z.enum(['deploy', 'rollback']),
    requestedBy: z.string().nullable().openapi({ description: 'Who asked for a rollback; null for a deploy.' }),
    status: z.enum(['requested', 'running', 'succeeded', 'failed', 'canceled', 'rejected']),
    createdAt: z.iso.datetime(),
    finishedAt: z.iso.datetime().nullable(),
  })
  .openapi('Deployment');

export const DeploymentList = z
  .object({ environment: z.string(), deployments: z.array(Deployment) })
  .openapi('DeploymentList');

export const RollbackRequest = z
  .object({ runId: z.string().min(1).max(255).openapi({ description: 'The finished run to deploy again.' }) })
  .strict()
  .openapi('RollbackRequest');

export const RollbackResponse = z
  .object({
    deploymentId: z.string(),
    runId: z.string(),
    stage: z.string(),
    sha: z.string(),
    status: z.string().openapi({ description: 'The run now: `awaiting_approval` at a gate, else `running`.' }),
    url: z.url().openapi({ description: "The run's page." }),
  })
  .openapi('RollbackResponse');
