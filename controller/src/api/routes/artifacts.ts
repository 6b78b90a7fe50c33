/** GET /api/runs/:id/artifacts (the list) and /api/runs/:id/artifacts/:artifactId (a redirect to the bytes). */
import { NotFoundError } from '../../domain/errors.js';
import { findRunArtifact, listRunArtifacts } from '../../store/artifacts-repository.js';
import { findRun } from '../../store/runs-repository.js';
import type { ApiDeps } from '../app.js';
import { downloadArtifact, listArtifacts } from '../contract/artifacts.js';
import { createRouter } from '../router.js';

/** How long a download URL handed to an API caller stays good. */
export const downloadUrlTtlSeconds = 300;

export function artifactRoutes(deps: ApiDeps) {
  const app = createRouter();

  app.openapi(listArtifacts, async (c) => {
    const { id } = c.req.valid('param');
    if (!(await findRun(deps.db, id))) throw new NotFoundError(`run "${id}" not found`);
    const { artifacts, truncated } = await listRunArtifacts(deps.db, id);
    return c.json(
      {
        truncated,
        artifacts: artifacts.map((artifact) => ({
          id: artifact.id,
          jobId: artifact.jobId,
          jobName: artifact.jobName,
          attempt: artifact.attempt,
          path: artifact.path,
          size: artifact.size,
          sha256: artifact.sha256,
          executable: artifact.executable,
          url: `${deps.baseUrl}/api/runs/${encodeURIComponent(id)}/artifacts/${artifact.id}`,
        })),
      },
      200,
    );
  });

  app.openapi(downloadArtifact, async (c) => {
    const { id, artifactId } = c.req.valid('param');
    const artifact = await findRunArtifact(deps.db, id, artifactId);
    if (!artifact || !deps.artifacts) throw new NotFoundError(`run "${id}" has no artifact "${artifactId}"`);
    const url = await deps.artifacts.exchange.downloadUrl(artifact, downloadUrlTtlSeconds);
    return c.redirect(url, 302);
  });

  return app;
}
