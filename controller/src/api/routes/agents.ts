/** /api/agents: the registered agent processes. */
import { Hono } from 'hono';
import { listAgents } from '../../store/agents-repository.js';
import type { ApiDeps } from '../app.js';
import { type AuthVariables, requireRole } from '../auth.js';

export function agentRoutes(deps: ApiDeps) {
  const app = new Hono<{ Variables: AuthVariables }>();
  app.get('/', requireRole('read'), async (c) => {
    const agents = await listAgents(deps.db);
    return c.json({
      agents: agents.map((agent) => ({
        id: agent.id,
        name: agent.name,
        hostname: agent.hostname,
        queues: agent.queues,
        slots: agent.slots,
        version: agent.version,
        connected: agent.connectedAt !== null && agent.disconnectedAt === null,
        draining: agent.drainRequested,
        registeredAt: agent.registeredAt.toISOString(),
        lastSeenAt: agent.lastSeenAt.toISOString(),
      })),
    });
  });

  app.post('/:id/drain', requireRole('admin'), async (c) => {
    await deps.runControl.drainAgent(c.req.param('id'));
    await c.var.audit({ action: 'agent.drain', details: { agentId: c.req.param('id') } });
    return c.json({ id: c.req.param('id'), draining: true }, 202);
  });
  return app;
}
