/**
 * A NUL character cannot be stored in a text column: the database refuses the
 * whole statement. The API answers text holding one with 400 INVALID_INPUT,
 * whether it came in the path, the query, a JSON body or a webhook delivery,
 * and a NUL that slips past those checks to the database is still a 400, not a 500.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApp, type TestApp, testAdminToken } from '../testing/api-test-app.js';
import { createErrorHandler } from './error-handler.js';
import { createRouter } from './router.js';
import { ErrorBody } from './schemas/errors.js';

const pipeline = 'name: nul\nstages:\n  - name: build\n    jobs:\n      - { name: compile, steps: [make] }\n';
const asAdmin = { authorization: `Bearer ${testAdminToken}`, 'content-type': 'application/json' };

describe('NUL characters in requests', () => {
  let testApp: TestApp;
  beforeAll(async () => {
    testApp = await openTestApp({ pipeline });
  }, 60_000);
  afterAll(async () => {
    await testApp?.close();
  });

  /** The answer's error, after checking it is a 400 INVALID_INPUT and that nothing was logged as a failure. */
  const refusal = async (response: Response) => {
    expect(response.status).toBe(400);
    const { error } = ErrorBody.parse(await response.json());
    expect(error.code).toBe('INVALID_INPUT');
    expect(testApp.logLines().filter((line) => line.msg === 'request failed')).toEqual([]);
    return error;
  };

  it('refuses an unsigned webhook delivery naming a repository with a NUL', async () => {
    const response = await testApp.app.request('/api/hooks/push', {
      method: 'POST',
      headers: { 'x-github-event': 'ping', 'content-type': 'application/json' },
      body: '{"repository":{"clone_url":"a\\u0000"}}',
    });
    const error = await refusal(response);
    expect(error.message).toBe('invalid request body: repository.clone_url: text must not contain NUL characters');
  });

  it.each([
    ['a path', '/api/runs/a%00b'],
    ['a query', '/api/runs?repo=a%00'],
    ['a query key', '/api/secrets?re%00po=x'],
  ])('refuses %s holding an encoded NUL', async (_what, path) => {
    const error = await refusal(await testApp.app.request(path, { headers: asAdmin }));
    expect(error.message).toBe('invalid URL: it holds %00, and text must not contain NUL characters');
  });

  it('refuses a JSON body with a NUL in a string, naming where, and stores nothing', async () => {
    const protect = (body: string) =>
      testApp.app.request('/api/environments/production/protection', { method: 'PUT', headers: asAdmin, body });
    const inValue = await refusal(await protect('{"approvers":["alice"],"required":1,"branches":["ma\\u0000in"]}'));
    expect(inValue.issues).toEqual(['branches.0: text must not contain NUL characters']);
    const inKey = await refusal(await protect('{"approvers":["alice"],"required":1,"x\\u0000":1}'));
    expect(inKey.issues).toEqual(['(request body): text must not contain NUL characters']);
    const listed = await testApp.app.request('/api/environments', { headers: asAdmin });
    expect(((await listed.json()) as { environments: unknown[] }).environments).toEqual([]);
  });

  it('refuses a JSON body with an unpaired surrogate, which jsonb cannot store, and stores nothing', async () => {
    const protect = (body: string) =>
      testApp.app.request('/api/environments/production/protection', { method: 'PUT', headers: asAdmin, body });
    const lone = await refusal(await protect('{"approvers":["alice"],"required":1,"branches":["main\\ud800"]}'));
    expect(lone.issues).toEqual(['branches.0: text must not contain unpaired UTF-16 surrogates (U+D800 to U+DFFF)']);
    const reversed = await refusal(await protect('{"approvers":["alice\\udc00\\ud800"],"required":1}'));
    expect(reversed.issues).toEqual([
      'approvers.0: text must not contain unpaired UTF-16 surrogates (U+D800 to U+DFFF)',
    ]);
    const listed = await testApp.app.request('/api/environments', { headers: asAdmin });
    expect(((await listed.json()) as { environments: unknown[] }).environments).toEqual([]);
    // A pair is a character like any other.
    const paired = await protect('{"approvers":["alice"],"required":1,"branches":["rocket-\\ud83d\\ude80"]}');
    expect([paired.status, await paired.text()]).toEqual([200, expect.stringContaining('rocket-\u{1f680}')]);
  });

  it.each([
    ['text', sql`select ${'a\0'}::text`],
    ['jsonb', sql`select ${'{"a":"\\u0000"}'}::jsonb`],
  ])('answers a database refusal of NUL in %s that got past the checks with 400, not 500', async (_type, query) => {
    const app = createRouter();
    app.onError(createErrorHandler(testApp.deps.log));
    app.get('/store', async (c) => {
      await testApp.database.db.execute(query);
      return c.text('stored');
    });
    const error = await refusal(await app.request('/store'));
    expect(error.message).toBe('text must not contain NUL characters');
  });
});
