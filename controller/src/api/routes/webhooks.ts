/**
 * POST /api/hooks/push: mounted ahead of the bearer-token check; the HMAC
 * signature with the repository's registered secret is the authentication.
 * Refused deliveries (no or a bad signature) change nothing and are logged.
 * A payload holding a NUL character is refused before any lookup.
 */
import { NotFoundError } from '../../domain/errors.js';
import { recordAuditEvent } from '../../store/audit-repository.js';
import { findRepositorySecret } from '../../store/repositories-repository.js';
import { pushIdempotencyKey } from '../../triggers/push-key.js';
import { startPushRun } from '../../triggers/push-run.js';
import { readPushPayload } from '../../triggers/webhook-payload.js';
import { isValidWebhookSignature } from '../../triggers/webhook-signature.js';
import type { ApiDeps } from '../app.js';
import { receivePushWebhook } from '../contract/webhooks.js';
import { ApiError } from '../error-handler.js';
import { refuseNulInJson } from '../nul-characters.js';
import { createRouter } from '../router.js';
import { runSummaryView } from '../views.js';

/** The identity webhook-started runs are triggered by. */
export const webhookActor = 'webhook';

export function webhookRoutes(deps: ApiDeps) {
  const app = createRouter();
  app.openapi(receivePushWebhook, async (c) => {
    const event = c.req.header('x-gitea-event') ?? c.req.header('x-forgejo-event') ?? c.req.header('x-github-event');
    if (event === undefined) {
      throw new ApiError('INVALID_INPUT', 'no X-Gitea-Event, X-Forgejo-Event or X-GitHub-Event header');
    }
    const mediaType = c.req.header('content-type')?.split(';')[0]?.trim().toLowerCase();
    if (mediaType !== 'application/json') {
      throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 'configure the webhook to send application/json');
    }
    const raw = new Uint8Array(await c.req.arrayBuffer());
    let body: unknown;
    try {
      body = JSON.parse(Buffer.from(raw).toString('utf8'));
    } catch (error) {
      throw new ApiError('INVALID_JSON', `request body is not valid JSON: ${(error as Error).message}`);
    }
    refuseNulInJson(body);
    const read = readPushPayload(body);
    const urls = 'push' in read ? read.push.repositoryUrls : repositoryUrlsOf(body);
    const repository = await findRepositorySecret(deps.db, urls);
    if (!repository)
      throw new NotFoundError(`no registered repository is named ${urls.join(', ') || 'in the payload'}`);

    const signature =
      c.req.header('x-hub-signature-256') ?? c.req.header('x-gitea-signature') ?? c.req.header('x-forgejo-signature');
    if (signature === undefined || !isValidWebhookSignature(repository.webhookSecret, raw, signature)) {
      deps.log.warn({ repository: repository.url, event, signed: signature !== undefined }, 'webhook refused');
      throw new ApiError(
        'UNAUTHENTICATED',
        signature === undefined
          ? 'missing X-Hub-Signature-256: the webhook must be signed with the secret registered for the repository'
          : 'X-Hub-Signature-256 does not match the body signed with the secret registered for the repository',
      );
    }
    if (event === 'ping') return c.json({ pong: true as const }, 200);
    if (event !== 'push') return c.json({ skipped: `event "${event}" is not a push` }, 200);
    if (!('push' in read)) throw new ApiError('INVALID_INPUT', read.problem);

    const { ref, before, after } = read.push;
    const outcome = await startPushRun(
      deps,
      { repo: repository.url, ref, before, after },
      {
        idempotencyKey: pushIdempotencyKey(repository.url, ref, before, after),
        actor: webhookActor,
        audit: (audit, tx) => recordAuditEvent(tx, { ...audit, actor: webhookActor }),
      },
    );
    if ('skipped' in outcome) return c.json({ skipped: outcome.skipped }, 200);
    const view = runSummaryView(outcome.run, deps.baseUrl);
    return c.json({ id: view.id, status: view.status, url: view.url }, outcome.created ? 201 : 200);
  });
  return app;
}

/** The repository URLs of a payload that is not a push (a ping), to find its secret. */
function repositoryUrlsOf(body: unknown): string[] {
  const repository = (body as { repository?: Record<string, unknown> } | null)?.repository;
  if (typeof repository !== 'object' || repository === null) return [];
  return ['clone_url', 'ssh_url', 'html_url', 'git_url']
    .map((key) => repository[key])
    .filter((url): url is string => typeof url === 'string' && url !== '');
}
