/** /api/environments/:name/deployments (history) and /api/environments/:name/rollback (audited). */

import { rollBack } from '../../scheduler/rollback.js';
import { listDeployments } from '../../store/deployments-repository.js';
import type { ApiDeps } from '../app.js';
import { getReleaseChanges, listEnvironmentDeployments, rollBackEnvironment } from '../contract/deployments.js';
import { deploymentView } from '../deployment-view.js';
import { releaseChanges } from '../release-changes.js';
import { createRouter } from '../router.js';

export function deploymentRoutes(deps: ApiDeps) {
  const app = createRouter();

  app.openapi(listEnvironmentDeployments, async (c) => {
    const { name } = c.req.valid('param');
    const { limit } = c.req.valid('query');
    const deployments = await listDeployments(deps.db, name, limit);
    return c.json({ environment: name, deployments: deployments.map(deploymentView) }, 200);
  });

  app.openapi(rollBackEnvironment, async (c) => {
    const { name } = c.req.valid('param');
    const { runId } = c.req.valid('json');
    const outcome = await rollBack(deps, {
      runId,
      environment: name,
      requestedBy: c.get('principal').name,
      audit: (tx, details) =>
        c.var.audit({ action: 'environment.rollback', runId, details: { environment: name, ...details } }, tx),
    });
    const url = `${deps.baseUrl}/runs/${encodeURIComponent(runId)}`;
    return c.json({ ...outcome, runId, url }, 202);
  });

  app.openapi(getReleaseChanges, async (c) => {
    const { name } = c.req.valid('param');
    const { runId } = c.req.valid('query');
    return c.json(await releaseChanges(deps, name, runId), 200);
  });

  return app;
}
