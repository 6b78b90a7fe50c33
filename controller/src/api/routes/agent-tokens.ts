/** /api/agent-tokens (admin): enrolment tokens for agents: create, list, revoke. */
import { generateEnrolmentToken, generateEnrolmentTokenId, hashAgentSecret } from '../../domain/agent-secrets.js';
import { NotFoundError } from '../../domain/errors.js';
import { parseDuration } from '../../pipeline/duration.js';
import {
  deleteEnrolmentToken,
  type EnrolmentToken,
  insertEnrolmentToken,
  listEnrolmentTokens,
} from '../../store/enrolment-tokens-repository.js';
import type { ApiDeps } from '../app.js';
import { createAgentToken, listAgentTokens, revokeAgentToken } from '../contract/agent-tokens.js';
import { ApiError } from '../error-handler.js';
import { createRouter } from '../router.js';
import type { AgentToken } from '../schemas/agent-tokens.js';

const maxExpiryMs = 365 * 86_400_000;

export function agentTokenRoutes(deps: ApiDeps) {
  const app = createRouter();

  app.openapi(createAgentToken, async (c) => {
    const body = c.req.valid('json');
    const expiresInMs = parseExpiry(body.expiresIn);
    const secret = generateEnrolmentToken();
    const queues = [...new Set(body.queues ?? [])];
    const created = await deps.db.transaction(async (tx) => {
      const token = await insertEnrolmentToken(tx, {
        id: generateEnrolmentTokenId(),
        tokenHash: hashAgentSecret(secret),
        queues,
        uses: body.uses ?? null,
        expiresInMs,
        createdBy: c.get('principal').name,
      });
      await c.var.audit(
        {
          action: 'agent_token.create',
          details: { id: token.id, queues, uses: token.usesLeft, expiresAt: token.expiresAt.toISOString() },
        },
        tx,
      );
      return token;
    });
    return c.json({ token: secret, ...agentTokenView(created) }, 201);
  });

  app.openapi(listAgentTokens, async (c) => {
    const tokens = await listEnrolmentTokens(deps.db);
    return c.json({ tokens: tokens.map(agentTokenView) }, 200);
  });

  app.openapi(revokeAgentToken, async (c) => {
    const { id } = c.req.valid('param');
    const deleted = await deps.db.transaction(async (tx) => {
      if (!(await deleteEnrolmentToken(tx, id))) return false;
      await c.var.audit({ action: 'agent_token.revoke', details: { id } }, tx);
      return true;
    });
    if (!deleted) throw new NotFoundError(`no enrolment token "${id}"`);
    return c.json({ id, revoked: true as const }, 200);
  });

  return app;
}

function parseExpiry(text: string): number {
  const parsed = parseDuration(text);
  if (!parsed.ok) throw new ApiError('INVALID_INPUT', `expiresIn: ${parsed.message}`);
  if (parsed.ms > maxExpiryMs) throw new ApiError('INVALID_INPUT', `expiresIn: "${text}" is longer than 365d`);
  if (parsed.ms <= 0) throw new ApiError('INVALID_INPUT', `expiresIn: "${text}" must be longer than 0`);
  return parsed.ms;
}

/** Everything known of a token but its secret and hash. */
function agentTokenView(token: EnrolmentToken): AgentToken {
  return {
    id: token.id,
    queues: token.queues,
    usesLeft: token.usesLeft,
    expiresAt: token.expiresAt.toISOString(),
    createdBy: token.createdBy,
    createdAt: token.createdAt.toISOString(),
  };
}
