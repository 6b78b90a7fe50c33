/**
 * API identities: the bootstrap admin makes tokens with roles; a token works
 * until it is revoked or expires; the secret is shown once and never listed.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApp, type TestApp, testAdminToken } from '../testing/api-test-app.js';

const pipeline = 'name: ids\nstages:\n  - name: build\n    jobs:\n      - { name: compile, steps: [make] }\n';
const asAdmin = { authorization: `Bearer ${testAdminToken}`, 'content-type': 'application/json' };

interface CreatedToken {
  token: string;
  name: string;
  roles: string[];
  email: string | null;
  expiresAt: string | null;
}

describe('API tokens', () => {
  let testApp: TestApp;
  const createToken = (body: unknown) =>
    testApp.app.request('/api/tokens', { method: 'POST', headers: asAdmin, body: JSON.stringify(body) });
  const newToken = async (body: Record<string, unknown>) => {
    const response = await createToken(body);
    expect(response.status).toBe(201);
    return (await response.json()) as CreatedToken;
  };
  const me = (token: string) => testApp.app.request('/api/me', { headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    testApp = await openTestApp({ pipeline });
  }, 60_000);
  afterAll(async () => {
    await testApp?.close();
  });

  it('shows a new token once; it then says who it is', async () => {
    const created = await newToken({ name: 'alice', roles: ['approve'], email: 'alice@example.com', expiresIn: '90d' });
    expect(created.token).toMatch(/^gantry_[A-Za-z0-9_-]{43}$/);
    expect(created).toMatchObject({ name: 'alice', roles: ['approve'], email: 'alice@example.com' });
    const days = (Date.parse(created.expiresAt ?? '') - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(89);
    expect(days).toBeLessThanOrEqual(90);
    const answer = await me(created.token);
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ name: 'alice', roles: ['approve'], email: 'alice@example.com' });
  });

  it('keeps the bootstrap token as the admin identity', async () => {
    expect(await (await me(testAdminToken)).json()).toEqual({ name: 'admin', roles: ['admin'], email: null });
  });

  it('lists names, roles, emails and times, never a secret or hash', async () => {
    const created = await newToken({ name: 'lister', roles: ['read', 'trigger'] });
    await me(created.token);
    const response = await testApp.app.request('/api/tokens', { headers: asAdmin });
    const text = await response.text();
    expect(text).not.toContain(created.token);
    expect(text).not.toMatch(/hash|gantry_/i);
    const { tokens } = JSON.parse(text) as { tokens: Record<string, unknown>[] };
    expect(tokens.find((token) => token.name === 'lister')).toEqual({
      name: 'lister',
      roles: ['read', 'trigger'],
      email: null,
      createdBy: 'admin',
      createdAt: expect.any(String),
      lastUsedAt: expect.any(String),
      expiresAt: null,
    });
  });

  it('refuses a duplicate name with 409, and the names Gantry itself acts under', async () => {
    await newToken({ name: 'bob', roles: ['read'] });
    for (const name of ['bob', 'admin', 'gantry', 'webhook']) {
      const response = await createToken({ name, roles: ['read'] });
      expect(response.status).toBe(409);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('CONFLICT');
    }
    // A name is looked up as a name, not as a property every object has.
    expect((await newToken({ name: 'constructor', roles: ['read'] })).name).toBe('constructor');
  });

  it.each([
    ['a bad name', { name: 'al ice', roles: ['read'] }, 'name must be 1 to 64'],
    ['a long name', { name: 'a'.repeat(65), roles: ['read'] }, 'name must be 1 to 64'],
    ['an upper-case name', { name: 'Admin', roles: ['read'] }, 'name must be 1 to 64 lower-case letters'],
    ['no role', { name: 'carol', roles: [] }, 'roles must name at least one role'],
    ['a bad role', { name: 'carol', roles: ['Deploy'] }, 'each role must be 1 to 64 lower-case letters'],
    ['a bad email', { name: 'carol', roles: ['read'], email: 'carol' }, 'email must be an e-mail address'],
    ['a bad expiry', { name: 'carol', roles: ['read'], expiresIn: 'soon' }, 'expiresIn: invalid duration "soon"'],
    ['a huge expiry', { name: 'carol', roles: ['read'], expiresIn: '4000d' }, 'longer than 3650d'],
    ['an unknown field', { name: 'carol', roles: ['read'], admin: true }, 'admin'],
  ])('answers 400 to %s', async (_case, body, message) => {
    const response = await createToken(body);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain(message);
  });

  it('answers 401 to no token and to an unknown one', async () => {
    const none = await testApp.app.request('/api/me');
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: { message: string } }).error.message).toContain('missing bearer token');
    const unknown = await me('gantry_not-a-real-token');
    expect(unknown.status).toBe(401);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toBe(
      'invalid token: it is unknown or was revoked',
    );
    const huge = await me(`gantry_${'x'.repeat(600)}`);
    expect(huge.status).toBe(401);
    expect(((await huge.json()) as { error: { message: string } }).error.message).toContain('longer than 512');
  });

  it('refuses a revoked token at once', async () => {
    const created = await newToken({ name: 'dave', roles: ['read'] });
    expect((await me(created.token)).status).toBe(200);
    const revoked = await testApp.app.request('/api/tokens/dave', { method: 'DELETE', headers: asAdmin });
    expect(revoked.status).toBe(200);
    expect(await revoked.json()).toEqual({ name: 'dave', revoked: true });
    const after = await me(created.token);
    expect(after.status).toBe(401);
    const again = await testApp.app.request('/api/tokens/dave', { method: 'DELETE', headers: asAdmin });
    expect(again.status).toBe(404);
  });

  it('refuses an expired token, saying it expired', async () => {
    const created = await newToken({ name: 'erin', roles: ['read'], expiresIn: '1h' });
    expect((await me(created.token)).status).toBe(200);
    await testApp.database.db.execute(
      sql`update api_tokens set expires_at = now() - interval '1 second' where name = 'erin'`,
    );
    const response = await me(created.token);
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { message: string } }).error.message).toMatch(
      /^token "erin" expired at \d{4}-/,
    );
  });

  it('records a use at most once a minute', async () => {
    const created = await newToken({ name: 'frank', roles: ['read'] });
    const lastUsed = async () => {
      const { tokens } = (await (await testApp.app.request('/api/tokens', { headers: asAdmin })).json()) as {
        tokens: { name: string; lastUsedAt: string | null }[];
      };
      return tokens.find((token) => token.name === 'frank')?.lastUsedAt;
    };
    expect(await lastUsed()).toBeNull();
    await me(created.token);
    const first = await lastUsed();
    expect(first).toEqual(expect.any(String));
    await me(created.token);
    expect(await lastUsed()).toBe(first);
    await testApp.database.db.execute(
      sql`update api_tokens set last_used_at = now() - interval '2 minutes' where name = 'frank'`,
    );
    await me(created.token);
    // At or after the first use (not strictly after: PGlite's clock counts whole milliseconds); unrecorded,
    // it would still read two minutes before the update, earlier than the first use.
    expect(Date.parse((await lastUsed()) ?? '')).toBeGreaterThanOrEqual(Date.parse(first ?? ''));
  });
});
