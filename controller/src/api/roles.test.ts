/**
 * Every route checks its role: read for looking, trigger for starting and
 * stopping runs, approve for gates, admin for tokens and draining. A refusal
 * is a 403 naming the role and what the caller holds, and is audited; every
 * decision is an audit event naming its actor.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApp, type TestApp, testAdminToken } from '../testing/api-test-app.js';

const pipeline = `name: gated
stages:
  - name: deploy
    approval: { required: 1 }
    jobs:
      - { name: ship, steps: [make] }
`;

interface AuditAnswer {
  events: { actor: string; action: string; runId: string | null; details: Record<string, unknown> }[];
}

describe('roles', () => {
  let testApp: TestApp;
  const tokens: Record<string, string> = {};
  const call = (who: string, method: string, path: string, body?: unknown) =>
    testApp.app.request(path, {
      method,
      headers: { authorization: `Bearer ${tokens[who] ?? testAdminToken}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const audit = async (query: string) =>
    (await (await call('admin', 'GET', `/api/audit?${query}`)).json()) as AuditAnswer;
  const trigger = async (who: string) => {
    const response = await call(who, 'POST', '/api/runs', { repo: testApp.repo, ref: 'main' });
    expect(response.status).toBe(201);
    const { id } = (await response.json()) as { id: string };
    await testApp.scheduler.settle();
    return id;
  };

  beforeAll(async () => {
    testApp = await openTestApp({ pipeline });
    for (const [name, roles] of Object.entries({
      alice: ['read'],
      tina: ['trigger'],
      paul: ['approve'],
      rita: ['read', 'trigger', 'approve'],
    })) {
      const response = await call('admin', 'POST', '/api/tokens', { name, roles });
      tokens[name] = ((await response.json()) as { token: string }).token;
    }
  }, 60_000);
  afterAll(async () => {
    await testApp?.close();
  });

  it('refuses a missing role with 403 naming the role and what the caller has, and audits it', async () => {
    const response = await call('alice', 'POST', '/api/runs', { repo: testApp.repo, ref: 'main' });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: unknown }).error).toEqual({
      code: 'FORBIDDEN',
      message: 'this needs the "trigger" role; alice has read',
      requestId: expect.any(String),
    });
    const { events } = await audit('actor=alice&action=forbidden');
    expect(events[0]).toMatchObject({
      actor: 'alice',
      details: { method: 'POST', path: '/api/runs', role: 'trigger' },
    });
  });

  it.each([
    ['a long path', 'a'.repeat(3000)],
    ['a long path whose cut falls inside a character', '\u{1F600}'.repeat(600)],
  ])('audits a refusal of %s with the path cut to 512 characters', async (_what, name) => {
    const response = await call('alice', 'DELETE', `/api/tokens/${encodeURIComponent(name)}`);
    expect(response.status).toBe(403);
    const [event] = (await audit('actor=alice&action=forbidden&limit=1')).events;
    const path = String(event?.details.path);
    expect(path.length).toBeLessThanOrEqual(512);
    expect(path).toMatch(/^\/api\/tokens\/.+…$/u);
    expect(`/api/tokens/${name}`.startsWith(path.slice(0, -1))).toBe(true);
    // Not cut between the two halves of a character: encoding a lone half throws.
    expect(() => encodeURIComponent(path)).not.toThrow();
  });

  it.each([
    ['tina', 'GET', '/api/runs', 'read'],
    ['tina', 'GET', '/api/runs/any', 'read'],
    ['tina', 'GET', '/api/runs/any/jobs/any/log', 'read'],
    ['tina', 'GET', '/api/agents', 'read'],
    ['paul', 'GET', '/api/audit', 'read'],
    ['alice', 'POST', '/api/runs/any/cancel', 'trigger'],
    ['alice', 'POST', '/api/runs/any/jobs/any/retry', 'trigger'],
    ['tina', 'POST', '/api/runs/any/stages/deploy/approve', 'approve'],
    ['tina', 'POST', '/api/runs/any/stages/deploy/reject', 'approve'],
    ['rita', 'GET', '/api/tokens', 'admin'],
    ['rita', 'POST', '/api/tokens', 'admin'],
    ['rita', 'DELETE', '/api/tokens/alice', 'admin'],
    ['rita', 'POST', '/api/agents/any/drain', 'admin'],
  ])('%s gets 403 for %s %s (needs %s)', async (who, method, path, role) => {
    const response = await call(who, method, path, method === 'GET' ? undefined : {});
    expect(response.status).toBe(403);
    const { error } = (await response.json()) as { error: { message: string } };
    expect(error.message).toMatch(new RegExp(`^this needs the "${role}" role; ${who} has `));
  });

  it('lets each role do its part, and names the actor of every decision', async () => {
    expect((await call('alice', 'GET', '/api/runs')).status).toBe(200);
    expect((await call('alice', 'GET', '/api/agents')).status).toBe(200);
    expect((await call('paul', 'GET', '/api/me')).status).toBe(200);

    const runId = await trigger('tina');
    const run = (await (await call('alice', 'GET', `/api/runs/${runId}`)).json()) as { triggeredBy: string };
    expect(run.triggeredBy).toBe('tina');
    const approved = await call('paul', 'POST', `/api/runs/${runId}/stages/deploy/approve`, { comment: 'ship it' });
    expect(approved.status).toBe(200);
    expect(((await approved.json()) as { approver: string }).approver).toBe('paul');
    expect((await call('tina', 'POST', `/api/runs/${runId}/cancel`, {})).status).toBe(200);

    const rejectedRun = await trigger('rita');
    expect((await call('rita', 'POST', `/api/runs/${rejectedRun}/stages/deploy/reject`, {})).status).toBe(200);

    const { events } = await audit(`runId=${runId}`);
    expect(events.map((event) => [event.action, event.actor])).toEqual([
      ['cancel', 'tina'],
      ['approve', 'paul'],
      ['trigger', 'tina'],
    ]);
    expect(events[1]?.details).toMatchObject({ stage: 'deploy', comment: 'ship it' });
    expect((await audit(`runId=${rejectedRun}&action=reject`)).events).toEqual([
      expect.objectContaining({ actor: 'rita', action: 'reject', runId: rejectedRun }),
    ]);
  });

  it('audits token creation and revocation by the admin, and a drain', async () => {
    expect((await call('admin', 'DELETE', '/api/tokens/rita')).status).toBe(200);
    const { events } = await audit('actor=admin');
    const actions = events.map((event) => `${event.action} ${String(event.details.name ?? '')}`);
    expect(actions).toContain('token.revoke rita');
    expect(actions).toContain('token.create alice');
    expect((await audit('action=token.create&limit=2')).events).toHaveLength(2);
  });

  it('checks a role on every /api route but /api/me and the signed webhook: someone without it gets 403', async () => {
    const untokened = ['/api/me', '/api/hooks/push'];
    const routes = new Set(
      testApp.app.routes
        .filter((route) => route.method !== 'ALL' && route.path.startsWith('/api/') && !untokened.includes(route.path))
        .map((route) => `${route.method} ${route.path}`),
    );
    expect(routes.size).toBeGreaterThanOrEqual(13);
    for (const route of routes) {
      const [method = '', pattern = ''] = route.split(' ');
      const path = pattern.replace(/:[A-Za-z]+/g, 'x');
      const answers = await Promise.all(
        ['alice', 'tina', 'paul'].map((who) => call(who, method, path, method === 'GET' ? undefined : {})),
      );
      expect(
        answers.map((answer) => answer.status),
        route,
      ).toContain(403);
    }
  });

  it.each([
    ['limit=0', 'limit: must be an integer from 1 to 500'],
    ['limit=501', 'limit: must be an integer from 1 to 500'],
    ['action=delete', 'action: must be one of'],
    ['who=me', 'who'],
  ])('answers 400 to the audit query %s', async (query, message) => {
    const response = await call('alice', 'GET', `/api/audit?${query}`);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain(message);
  });
});
