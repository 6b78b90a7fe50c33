/**
 * The HTTP API in-process (`app.request`, no port) on embedded PGlite, called
 * through @gantry/client: what a user of the API sees for the main routes,
 * good and bad input, and the OpenAPI document describing every route served.
 */
import { createGantryClient, type GantryClient } from '@gantry/client';
import { createWebApp } from '@gantry/web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApp, type TestApp, testAdminToken as token } from '../testing/api-test-app.js';
import { ErrorBody } from './schemas/errors.js';
import { RunDetail, RunList, TriggerResponse } from './schemas/runs.js';

const pipeline = `name: api
stages:
  - name: build
    jobs:
      - { name: compile, steps: [make] }
  - name: production
    approval: { required: 1 }
    jobs:
      - { name: deploy, steps: [./deploy.sh] }
`;

describe('the HTTP API', () => {
  let testApp: TestApp;
  let app: TestApp['app'];
  let client: GantryClient;
  let repo: string;

  /** A raw request, for what the typed client cannot send (bad JSON, no token). */
  const send = (path: string, init: RequestInit = {}) =>
    app.request(path, { ...init, headers: { authorization: `Bearer ${token}`, ...init.headers } });

  beforeAll(async () => {
    testApp = await openTestApp({ pipeline });
    ({ app, repo } = testApp);
    client = createGantryClient({
      baseUrl: 'http://gantry.test',
      token,
      fetch: async (request) => app.request(request),
    });
  }, 60_000);

  afterAll(async () => {
    await testApp?.scheduler.settle();
    await testApp?.close();
  });

  it('triggers a run of a local repository, then lists and shows it', async () => {
    const created = await client.POST('/api/runs', { body: { repo, ref: 'main' } });
    expect(created.response.status).toBe(201);
    const run = TriggerResponse.parse(created.data);
    expect(run.url).toBe(`http://gantry.test/runs/${run.id}`);

    const list = await client.GET('/api/runs', { params: { query: { limit: 10 } } });
    expect(list.response.status).toBe(200);
    expect(RunList.parse(list.data).runs.map((summary) => summary.id)).toContain(run.id);

    await testApp.scheduler.settle();
    const detail = await client.GET('/api/runs/{id}', { params: { path: { id: run.id } } });
    expect(detail.response.status).toBe(200);
    const shown = RunDetail.parse(detail.data);
    expect(shown).toMatchObject({ id: run.id, repo, ref: 'main', pipeline: 'api' });
    expect(shown.sha).toMatch(/^[0-9a-f]{40}$/);
    expect(shown.stages.map((stage) => [stage.name, stage.jobs.map((job) => job.name)])).toEqual([
      ['build', ['compile']],
      ['production', ['deploy']],
    ]);
  });

  it('refuses to approve a stage that is not awaiting approval (409)', async () => {
    const created = await client.POST('/api/runs', { body: { repo, ref: 'main' } });
    const id = TriggerResponse.parse(created.data).id;
    await testApp.scheduler.settle();
    const approved = await client.POST('/api/runs/{id}/stages/{stage}/approve', {
      params: { path: { id, stage: 'production' } },
      body: { comment: 'too early' },
    });
    expect(approved.response.status).toBe(409);
    expect(ErrorBody.parse(approved.error).error).toMatchObject({ code: 'CONFLICT' });
    expect(ErrorBody.parse(approved.error).error.message).toContain('not awaiting_approval');
  });

  it.each([
    ['an unknown run', () => send('/api/runs/00000000-0000-0000-0000-000000000000'), 404, 'NOT_FOUND'],
    ['an unknown job log', () => send('/api/runs/nope/jobs/nope/log'), 404, 'NOT_FOUND'],
    ['approving an unknown run', () => send('/api/runs/nope/stages/x/approve', { method: 'POST' }), 404, 'NOT_FOUND'],
    ['no token', () => app.request('/api/runs'), 401, 'UNAUTHENTICATED'],
    ['a wrong token', () => send('/api/runs', { headers: { authorization: 'Bearer nope' } }), 401, 'UNAUTHENTICATED'],
    ['malformed JSON', () => postJson('/api/runs', '{"repo": '), 400, 'INVALID_JSON'],
    ['an empty trigger', () => postJson('/api/runs', ''), 400, 'INVALID_INPUT'],
    ['a JSON array body', () => postJson('/api/runs', '[1,2]'), 400, 'INVALID_INPUT'],
    [
      'a body that is not JSON',
      () => send('/api/runs', { method: 'POST', body: 'repo=x' }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    ['a bad limit', () => send('/api/runs?limit=abc'), 400, 'INVALID_INPUT'],
    ['a limit out of bounds', () => send('/api/runs?limit=501'), 400, 'INVALID_INPUT'],
    ['attempt 0 of a log', () => send('/api/runs/r/jobs/j/log?attempt=0'), 400, 'INVALID_INPUT'],
    ['an attempt past the bound', () => send('/api/runs/r/jobs/j/log?attempt=2147483648'), 400, 'INVALID_INPUT'],
    ['follow=maybe', () => send('/api/runs/r/jobs/j/log?follow=maybe'), 400, 'INVALID_INPUT'],
    ['an unknown route', () => send('/api/nothing-here'), 404, 'NOT_FOUND'],
  ])('answers %s with %i %s in the error shape', async (_what, request, status, code) => {
    const response = await request();
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toContain('application/json');
    const body = ErrorBody.parse(await response.json());
    expect(body.error.code).toBe(code);
    expect(body.error.message.length).toBeGreaterThan(0);
  });

  it('names every invalid field of a trigger', async () => {
    const response = await postJson('/api/runs', JSON.stringify({ repo: 'a\u0001b', branch: 'main', sha: 'xyz' }));
    expect(response.status).toBe(400);
    const { error } = ErrorBody.parse(await response.json());
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toMatch(/^invalid request body: /);
    expect(error.issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^repo: repo must not contain control characters$/),
        expect.stringMatching(/^sha: sha must be a hex commit id$/),
        expect.stringContaining('branch'),
      ]),
    );
  });

  it.each([
    ['with a JSON content type', { headers: { 'content-type': 'application/json' } }],
    // An empty body stream is what a server hands on for `curl -X POST` without -d.
    ['without a content type', { body: new Uint8Array(0) }],
    ['as whitespace without a content type', { body: new TextEncoder().encode(' \n') }],
  ])('takes an approval without a body, %s', async (_how, init) => {
    const response = await send('/api/runs/nope/stages/x/approve', { method: 'POST', ...init });
    expect(response.status).toBe(404);
  });

  it('serves /healthz and /openapi.json without a token', async () => {
    expect((await client.GET('/healthz')).data).toEqual({
      status: 'ok',
      checks: { database: { ok: true, detail: 'pglite' } },
    });
    const response = await app.request('/openapi.json');
    expect(response.status).toBe(200);
    const document = (await response.json()) as { openapi: string; info: { title: string; version: string } };
    expect(document.openapi).toBe('3.1.0');
    expect(document.info).toMatchObject({ title: 'Gantry API', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  });

  it('describes every route it serves, with its method, in /openapi.json (the web page aside)', async () => {
    const document = (await (await app.request('/openapi.json')).json()) as { paths: Record<string, object> };
    const named = (route: { method: string; path: string }) =>
      `${route.method} ${route.path.replaceAll(/:(\w+)/g, '{$1}')}`;
    const page = new Set(
      createWebApp({ api: async () => new Response(), sessionSecret: 'x', baseUrl: 'http://gantry.test' }).routes.map(
        named,
      ),
    );
    const served = app.routes
      // The disk store's object URLs are presigned store URLs handed out by the API, not routes of it.
      .filter((route) => route.method !== 'ALL' && !route.path.startsWith('/objects/'))
      .map(named)
      .filter((route) => !page.has(route));
    const described = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(served).toContain('GET /metrics');
    expect(served.length).toBeGreaterThan(5);
    expect([...new Set(served)].sort()).toEqual([...new Set(described)].sort());
  });

  function postJson(path: string, body: string) {
    return send(path, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  }
});
