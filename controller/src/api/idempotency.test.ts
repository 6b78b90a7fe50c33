/** `Idempotency-Key` on POST /api/runs: the same key and body give one run; the same key with another body is refused. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApp, type TestApp, testAdminToken } from '../testing/api-test-app.js';

describe('POST /api/runs with an Idempotency-Key', () => {
  let testApp: TestApp;
  beforeAll(async () => {
    testApp = await openTestApp({ pipeline: 'name: a\nstages: [{ name: b, jobs: [{ name: c, steps: [d] }] }]\n' });
  }, 60_000);
  afterAll(() => testApp.close());

  const trigger = (key: string, body: Record<string, unknown>) =>
    testApp.app.request('/api/runs', {
      method: 'POST',
      headers: {
        authorization: `Bearer ${testAdminToken}`,
        'content-type': 'application/json',
        'idempotency-key': key,
      },
      body: JSON.stringify(body),
    });

  it('answers the first run again for the same body, and 422 for a different one', async () => {
    const first = await trigger('push-1', { repo: testApp.repo, ref: 'main' });
    expect(first.status).toBe(201);
    const { id } = (await first.json()) as { id: string };

    const again = await trigger('push-1', { repo: testApp.repo, ref: 'main' });
    expect(again.status).toBe(200);
    expect(((await again.json()) as { id: string }).id).toBe(id);

    const other = await trigger('push-1', { repo: testApp.repo, ref: 'refs/heads/main' });
    expect(other.status).toBe(422);
    expect(await other.json()).toMatchObject({
      error: {
        code: 'IDEMPOTENCY_KEY_REUSED',
        message: `Idempotency-Key "push-1" was already used for run ${id} with a different request; use a new key`,
      },
    });
  });

  it('records the ref in full with the run (a branch here)', async () => {
    const created = await trigger('push-2', { repo: testApp.repo, ref: 'main' });
    const { id } = (await created.json()) as { id: string };
    const run = await testApp.app.request(`/api/runs/${id}`, {
      headers: { authorization: `Bearer ${testAdminToken}` },
    });
    expect(await run.json()).toMatchObject({ ref: 'main', fullRef: 'refs/heads/main' });
  });
});
