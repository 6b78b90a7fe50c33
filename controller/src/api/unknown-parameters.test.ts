/**
 * The destructive endpoints refuse a parameter they do not know, naming it,
 * instead of dropping it and deleting more than was asked: a misspelt `repo`
 * would otherwise delete the farm-wide secret or every cache, a misspelt
 * `dryRun` would collect garbage for real.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApp, type TestApp, testAdminToken } from '../testing/api-test-app.js';
import { ErrorBody } from './schemas/errors.js';

const pipeline = 'name: strict\nstages:\n  - name: build\n    jobs:\n      - { name: compile, steps: [make] }\n';
const asAdmin = { authorization: `Bearer ${testAdminToken}`, 'content-type': 'application/json' };

describe('unknown parameters of destructive endpoints', () => {
  let testApp: TestApp;
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await testApp.app.request(path, {
      method,
      headers: asAdmin,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as unknown };
  };
  /** The actions the audit trail holds, newest first. */
  const auditedActions = async () =>
    ((await call('GET', '/api/audit')).body as { events: { action: string }[] }).events.map((event) => event.action);

  beforeAll(async () => {
    testApp = await openTestApp({ pipeline });
  }, 60_000);
  afterAll(async () => {
    await testApp?.close();
  });

  it('keeps the farm-wide secret when the scope is misspelt `repository`', async () => {
    expect((await call('PUT', '/api/secrets/DEPLOY_KEY', { value: 'farm-wide-value' })).status).toBe(200);
    const refused = await call('DELETE', '/api/secrets/DEPLOY_KEY?repository=x');
    expect(refused.status).toBe(400);
    expect(ErrorBody.parse(refused.body).error).toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('Unrecognized key: "repository"'),
    });
    expect((await call('GET', '/api/secrets')).body).toEqual({
      secrets: [expect.objectContaining({ name: 'DEPLOY_KEY', repo: '' })],
    });
    expect((await call('GET', '/api/secrets?repository=x')).status).toBe(400);
  });

  it('clears no cache when the repository is misspelt `repository`', async () => {
    const refused = await call('DELETE', '/api/caches?repository=x');
    expect(refused.status).toBe(400);
    expect(ErrorBody.parse(refused.body).error).toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('Unrecognized key: "repository"'),
    });
    expect(await auditedActions()).not.toContain('cache.clear');
  });

  it('deletes nothing when the scope comes as a body, which a DELETE does not read', async () => {
    expect((await call('PUT', '/api/secrets/BODY_KEY', { value: 'farm-wide-value' })).status).toBe(200);
    const refused = await call('DELETE', '/api/secrets/BODY_KEY', { repo: 'https://git.example/app.git' });
    expect(refused.status).toBe(400);
    expect(ErrorBody.parse(refused.body).error).toMatchObject({
      code: 'INVALID_INPUT',
      message: 'DELETE /api/secrets/BODY_KEY takes no request body: give its parameters in the query (e.g. ?repo=…)',
    });
    expect((await call('GET', '/api/secrets')).body).toEqual({
      secrets: expect.arrayContaining([expect.objectContaining({ name: 'BODY_KEY', repo: '' })]),
    });
    expect((await call('DELETE', '/api/caches', { repo: 'x' })).status).toBe(400);
    expect(await auditedActions()).not.toContain('cache.clear');
    // An empty body, as some clients send with every request, is no body.
    const emptied = await testApp.app.request('/api/secrets/BODY_KEY', {
      method: 'DELETE',
      headers: asAdmin,
      body: '',
    });
    expect(emptied.status).toBe(200);
  });

  it('collects no garbage when dryRun is misspelt `dry_run`', async () => {
    const refused = await call('POST', '/api/gc', { olderThan: '30d', dry_run: true });
    expect(refused.status).toBe(400);
    expect(ErrorBody.parse(refused.body).error).toMatchObject({
      code: 'INVALID_INPUT',
      message: expect.stringContaining('Unrecognized key: "dry_run"'),
    });
    expect((testApp.logLines() as { msg?: string }[]).map((line) => line.msg)).not.toContain('garbage collected');
  });
});
