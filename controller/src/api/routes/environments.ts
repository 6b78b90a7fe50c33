/** /api/environments: protect an environment (admin), list the protections, remove one. Changes are audited. */
import type { EnvironmentProtection } from '../../domain/environment.js';
import { NotFoundError } from '../../domain/errors.js';
import { liveDeployments } from '../../store/deployments-repository.js';
import { deleteProtection, listProtections, putProtection } from '../../store/environments-repository.js';
import type { ApiDeps } from '../app.js';
import { listEnvironments, protectEnvironment, unprotectEnvironment } from '../contract/environments.js';
import { deploymentView } from '../deployment-view.js';
import { createRouter } from '../router.js';

export function environmentRoutes(deps: ApiDeps) {
  const app = createRouter();

  app.openapi(protectEnvironment, async (c) => {
    const { name } = c.req.valid('param');
    const body = c.req.valid('json');
    const protection = await deps.db.transaction(async (tx) => {
      const saved = await putProtection(tx, {
        name,
        approvers: [...new Set(body.approvers)],
        required: body.required,
        branches: body.branches ? [...new Set(body.branches)] : null,
        updatedBy: c.get('principal').name,
      });
      const details = { name, approvers: saved.approvers, required: saved.required, branches: saved.branches };
      await c.var.audit({ action: 'environment.protect', details }, tx);
      return saved;
    });
    return c.json(protectionView(protection), 200);
  });

  app.openapi(listEnvironments, async (c) => {
    const protections = await listProtections(deps.db);
    const live = await liveDeployments(deps.db);
    return c.json({ environments: protections.map(protectionView), live: live.map(deploymentView) }, 200);
  });

  app.openapi(unprotectEnvironment, async (c) => {
    const { name } = c.req.valid('param');
    const deleted = await deps.db.transaction(async (tx) => {
      if (!(await deleteProtection(tx, name))) return false;
      await c.var.audit({ action: 'environment.unprotect', details: { name } }, tx);
      return true;
    });
    if (!deleted) throw new NotFoundError(`environment "${name}" is not protected`);
    return c.json({ name, protected: false as const }, 200);
  });

  return app;
}

function protectionView(protection: EnvironmentProtection) {
  return { ...protection, updatedAt: protection.updatedAt.toISOString() };
}
