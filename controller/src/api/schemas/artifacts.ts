/** The artifacts of a run as the API answers them. */
import { z } from '@hono/zod-openapi';

export const Artifact = z
  .object({
    id: z.string(),
    jobId: z.string(),
    jobName: z.string(),
    attempt: z.int().openapi({ description: 'The attempt that committed the file.' }),
    path: z.string().openapi({ description: 'Relative to the workspace, `/`-separated.' }),
    size: z.int().openapi({ description: 'Bytes.' }),
    sha256: z.string().openapi({ description: 'Lower-case hex SHA-256 of the bytes.' }),
    executable: z.boolean().openapi({ description: 'The file had an execute bit; downloads get one too.' }),
    url: z.url().openapi({ description: 'GET it (with the token) for a redirect to a short-lived download URL.' }),
  })
  .openapi('Artifact');

export const ArtifactList = z
  .object({
    artifacts: z.array(Artifact),
    truncated: z.boolean().openapi({
      description:
        'The run kept more files than one answer lists (10,000): `artifacts` holds the first, by stage, job, attempt and path.',
    }),
  })
  .openapi('ArtifactList');
