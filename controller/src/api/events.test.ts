/**
 * GET /api/events in-process: a run's state as Server-Sent Events, sent again
 * when it changes; a reconnect with Last-Event-ID gets nothing until
 * something changed since that event; the runs list as `runs` events.
 */
import { createGantryClient, type GantryClient } from '@gantry/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApp, type TestApp, testAdminToken as token } from '../testing/api-test-app.js';

const pipeline = 'name: events\nstages:\n  - name: build\n    jobs:\n      - { name: compile, steps: ["true"] }\n';

interface ServerEvent {
  event: string;
  id: string;
  data: string;
}

/** Opens the stream and reads its first event (the stream is then closed). */
async function firstEvent(test: TestApp, query: string, lastEventId?: string): Promise<ServerEvent> {
  const abort = new AbortController();
  const answer = await test.app.request(`/api/events${query}`, {
    headers: { authorization: `Bearer ${token}`, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
    signal: abort.signal,
  });
  expect(answer.status).toBe(200);
  expect(answer.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = answer.body?.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  try {
    while (!text.includes('\n\n')) {
      const next = await reader?.read();
      if (!next || next.done) throw new Error(`the stream ended before an event: ${text}`);
      text += next.value;
    }
  } finally {
    await reader?.cancel();
    abort.abort();
  }
  const block = text.slice(0, text.indexOf('\n\n'));
  const field = (name: string) =>
    block
      .split('\n')
      .filter((line) => line.startsWith(`${name}:`))
      .map((line) => line.slice(name.length + 1).trimStart())
      .join('\n');
  return { event: field('event'), id: field('id'), data: field('data') };
}

describe('GET /api/events', () => {
  let test: TestApp;
  let client: GantryClient;
  beforeAll(async () => {
    test = await openTestApp({ pipeline });
    client = createGantryClient({ baseUrl: 'http://gantry.test', token, fetch: async (r) => test.app.request(r) });
  }, 60_000);
  afterAll(async () => {
    await test?.scheduler.settle();
    await test?.close();
  });

  it('sends the run, and after a reconnect with Last-Event-ID only what changed since', async () => {
    const created = await client.POST('/api/runs', { body: { repo: test.repo, ref: 'main' } });
    const runId = created.data?.id ?? '';
    await test.scheduler.settle();

    const first = await firstEvent(test, `?runId=${runId}`);
    expect(first.event).toBe('run');
    expect(JSON.parse(first.data)).toMatchObject({ id: runId, status: 'running', cancelRequested: false });
    expect(first.id).not.toBe('');

    // Nothing changed since `first`: the stream stays quiet until the cancel, whose state is its first event.
    const resumed = firstEvent(test, `?runId=${runId}`, first.id);
    const canceled = await client.POST('/api/runs/{id}/cancel', { params: { path: { id: runId } } });
    expect(canceled.response.status).toBe(200);
    const next = await resumed;
    expect(next.id).not.toBe(first.id);
    expect(JSON.parse(next.data)).toMatchObject({ id: runId, status: 'canceled' });
  });

  it('sends the runs list, filtered as GET /api/runs is', async () => {
    const event = await firstEvent(test, `?repo=${encodeURIComponent(test.repo)}&limit=5`);
    expect(event.event).toBe('runs');
    const { runs } = JSON.parse(event.data) as { runs: { repo: string; stages: unknown[] }[] };
    expect(runs.length).toBeGreaterThan(0);
    expect(runs.every((run) => run.repo === test.repo)).toBe(true);
    expect(runs[0]?.stages).toEqual([{ name: 'build', status: 'canceled' }]);
  });

  it('answers 404 for an unknown run before any event', async () => {
    const answer = await test.app.request('/api/events?runId=nope', { headers: { authorization: `Bearer ${token}` } });
    expect(answer.status).toBe(404);
    expect(await answer.json()).toMatchObject({ error: { code: 'NOT_FOUND', message: 'run "nope" not found' } });
  });
});
