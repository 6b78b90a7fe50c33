/** /api/agents: the registered agent processes. */
import { listAgents, listRunningJobsByAgent } from '../../store/agents-repository.js';
import type { ApiDeps } from '../app.js';
import { drainAgent, listAgents as listAgentsRoute, revokeAgent } from '../contract/agents.js';
import { createRouter } from '../router.js';
import { agentView } from '../views.js';

export function agentRoutes(deps: ApiDeps) {
  const app = createRouter();
  app.openapi(listAgentsRoute, async (c) => {
    const [agents, running] = await Promise.all([listAgents(deps.db), listRunningJobsByAgent(deps.db)]);
    return c.json({ agents: agents.map((agent) => agentView(agent, running.get(agent.id))) }, 200);
  });

  app.openapi(drainAgent, async (c) => {
    const agentId = c.req.param('id');
    await deps.runControl.drainAgent(agentId, (tx) => c.var.audit({ action: 'agent.drain', details: { agentId } }, tx));
    return c.json({ id: c.req.param('id'), draining: true as const }, 202);
  });

  app.openapi(revokeAgent, async (c) => {
    const { agent } = c.req.valid('param');
    const revoked = await deps.runControl.revokeAgent(agent, (tx, details) =>
      c.var.audit({ action: 'agent.revoke', details: { agentId: details.id, name: details.name } }, tx),
    );
    return c.json(
      { id: revoked.id, name: revoked.name, revoked: true as const, fencedAttempts: revoked.fencedAttempts },
      200,
    );
  });
  return app;
}
