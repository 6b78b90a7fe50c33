/**
 * Every answer carries a request id (the caller's when sane), every error body
 * names it, and each request is logged once with it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApp, type TestApp, testAdminToken } from '../testing/api-test-app.js';

const auth = { authorization: `Bearer ${testAdminToken}` };
const pipeline = 'name: ids\nstages:\n  - name: build\n    jobs:\n      - { name: compile, steps: [make] }\n';

interface ErrorAnswer {
  error: { code: string; message: string; requestId: string };
}

describe('request ids', () => {
  let testApp: TestApp;
  beforeAll(async () => {
    testApp = await openTestApp({ pipeline });
  }, 60_000);
  afterAll(async () => {
    await testApp?.close();
  });

  it('echoes a sane X-Request-Id and logs the request once with it', async () => {
    const response = await testApp.app.request('/api/runs?limit=5', {
      headers: { ...auth, 'x-request-id': 'trace-42.a' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe('trace-42.a');
    const logged = testApp.logLines().filter((line) => line.requestId === 'trace-42.a');
    expect(logged).toEqual([
      expect.objectContaining({
        msg: 'http request',
        method: 'GET',
        route: '/api/runs',
        path: '/api/runs',
        status: 200,
        durationMs: expect.any(Number),
      }),
    ]);
  });

  it.each([
    ['spaces and quotes', 'a b"c'],
    ['too long', 'x'.repeat(129)],
    ['empty', ''],
  ])('replaces an id with %s by a fresh one', async (_case, given) => {
    const response = await testApp.app.request('/healthz', { headers: { 'x-request-id': given } });
    const id = response.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(id).not.toBe(given);
  });

  it('names the id in every error body and header: 400, 401, 404', async () => {
    const answers = await Promise.all([
      testApp.app.request('/api/runs?limit=0', { headers: auth }),
      testApp.app.request('/api/runs'),
      testApp.app.request('/api/runs/no-such-run', { headers: auth }),
      testApp.app.request('/no-such-route'),
    ]);
    expect(answers.map((answer) => answer.status)).toEqual([400, 401, 404, 404]);
    for (const answer of answers) {
      const body = (await answer.json()) as ErrorAnswer;
      expect(body.error.requestId).toBe(answer.headers.get('x-request-id'));
      expect(body.error.requestId).toMatch(/^[0-9a-f-]{36}$/);
    }
    const unmatched = testApp.logLines().find((line) => line.path === '/no-such-route');
    expect(unmatched).toMatchObject({ msg: 'http request', route: 'unmatched', status: 404 });
  });

  // Last: it closes the database under the app.
  it('answers a failing dependency with a 500 that leaks only the request id', async () => {
    await testApp.breakDatabase();
    const response = await testApp.app.request('/api/runs', { headers: { ...auth, 'x-request-id': 'boom-1' } });
    expect(response.status).toBe(500);
    expect(response.headers.get('x-request-id')).toBe('boom-1');
    expect(await response.json()).toEqual({
      error: { code: 'INTERNAL', message: 'internal error (request id boom-1)', requestId: 'boom-1' },
    });
    const logged = testApp.logLines().filter((line) => line.requestId === 'boom-1');
    expect(logged.map((line) => line.msg)).toEqual(['request failed', 'http request']);
    expect(logged[1]).toMatchObject({ level: 30, status: 500, route: '/api/runs', method: 'GET' });
  });
});
