/** /api/repositories: register a repository for push webhooks (admin, audited), list them. */
import type { RegisteredRepository } from '../../store/repositories-repository.js';
import { listRepositories, putRepository } from '../../store/repositories-repository.js';
import type { ApiDeps } from '../app.js';
import { addRepository, listRepositoriesRoute } from '../contract/repositories.js';
import { createRouter } from '../router.js';

export function repositoryRoutes(deps: ApiDeps) {
  const app = createRouter();

  app.openapi(addRepository, async (c) => {
    const body = c.req.valid('json');
    const saved = await deps.db.transaction(async (tx) => {
      const repository = await putRepository(tx, { ...body, createdBy: c.get('principal').name });
      await c.var.audit({ action: 'repository.add', details: { url: repository.url } }, tx);
      return repository;
    });
    return c.json(repositoryView(saved), 200);
  });

  app.openapi(listRepositoriesRoute, async (c) => {
    const repositories = await listRepositories(deps.db);
    return c.json({ repositories: repositories.map(repositoryView) }, 200);
  });

  return app;
}

function repositoryView(repository: RegisteredRepository) {
  return { url: repository.url, createdBy: repository.createdBy, createdAt: repository.createdAt.toISOString() };
}
