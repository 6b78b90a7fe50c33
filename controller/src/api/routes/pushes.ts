/** POST /api/pushes: pushes reported by a git server's post-receive hook (gantry hook install). */
import { startPushRun } from '../../triggers/push-run.js';
import type { ApiDeps } from '../app.js';
import { reportPush } from '../contract/pushes.js';
import { createRouter } from '../router.js';
import { runSummaryView } from '../views.js';

export function pushRoutes(deps: ApiDeps) {
  const app = createRouter();
  app.openapi(reportPush, async (c) => {
    const outcome = await startPushRun(deps, c.req.valid('json'), {
      idempotencyKey: c.req.header('idempotency-key')?.trim() || null,
      actor: c.get('principal').name,
      audit: (event, tx) => c.var.audit(event, tx),
    });
    if ('skipped' in outcome) return c.json({ skipped: outcome.skipped }, 200);
    const view = runSummaryView(outcome.run, deps.baseUrl);
    return c.json({ id: view.id, status: view.status, url: view.url }, outcome.created ? 201 : 200);
  });
  return app;
}
