/** /api/secrets (admin): set, list and delete job secrets. Changes are audited by name and scope, never value. */
import { NotFoundError } from '../../domain/errors.js';
import { deleteSecret, listSecrets, type SecretEntry } from '../../store/secrets-repository.js';
import type { ApiDeps } from '../app.js';
import { deleteSecretRoute, listSecretsRoute, setSecret } from '../contract/secrets.js';
import { createRouter } from '../router.js';

export function secretRoutes(deps: ApiDeps) {
  const app = createRouter();

  app.openapi(setSecret, async (c) => {
    const { name } = c.req.valid('param');
    const { value, repo = '' } = c.req.valid('json');
    const saved = await deps.db.transaction(async (tx) => {
      const entry = await deps.secrets.set(tx, { repo, name, value, updatedBy: c.get('principal').name });
      await c.var.audit({ action: 'secret.set', details: { name, repo } }, tx);
      return entry;
    });
    return c.json(secretView(saved), 200);
  });

  app.openapi(listSecretsRoute, async (c) => {
    const { repo } = c.req.valid('query');
    const entries = await listSecrets(deps.db, repo);
    return c.json({ secrets: entries.map(secretView) }, 200);
  });

  app.openapi(deleteSecretRoute, async (c) => {
    const { name } = c.req.valid('param');
    const repo = c.req.valid('query').repo ?? '';
    const deleted = await deps.db.transaction(async (tx) => {
      if (!(await deleteSecret(tx, repo, name))) return false;
      await c.var.audit({ action: 'secret.delete', details: { name, repo } }, tx);
      return true;
    });
    if (!deleted) throw new NotFoundError(`secret "${name}" is not set${repo === '' ? '' : ` for ${repo}`}`);
    return c.json({ name, repo, deleted: true as const }, 200);
  });

  return app;
}

function secretView(entry: SecretEntry) {
  return { name: entry.name, repo: entry.repo, updatedBy: entry.updatedBy, updatedAt: entry.updatedAt.toISOString() };
}
