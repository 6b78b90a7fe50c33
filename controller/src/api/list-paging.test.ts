/**
 * GET /api/runs and GET /api/audit page by `before` (the `next` of the page
 * before): every run and every event shows up exactly once, in the list's
 * order, also when runs share their creation instant.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApp, type TestApp, testAdminToken, triggerTestRun } from '../testing/api-test-app.js';
import { AuditList } from './schemas/audit.js';
import { ErrorBody } from './schemas/errors.js';
import { RunList } from './schemas/runs.js';

const pipeline = 'name: paging\nstages:\n  - name: build\n    jobs:\n      - { name: compile, steps: [make] }\n';
const asAdmin = { authorization: `Bearer ${testAdminToken}`, 'content-type': 'application/json' };

describe('list paging on PGlite', () => {
  let testApp: TestApp;
  const triggered: string[] = [];
  beforeAll(async () => {
    testApp = await openTestApp({ pipeline });
    for (let i = 0; i < 7; i++) triggered.push(await triggerTestRun(testApp));
  }, 60_000);
  afterAll(async () => {
    await testApp?.close();
  });

  const get = (path: string) => testApp.app.request(path, { headers: asAdmin });

  /** Follows `next` from the first page to the last; the pages' sizes and the ids in order. */
  async function pageThroughRuns(limit: number) {
    const sizes: number[] = [];
    const ids: string[] = [];
    let before: string | null = null;
    do {
      const query: string = `limit=${limit}${before === null ? '' : `&before=${before}`}`;
      const response = await get(`/api/runs?${query}`);
      expect(response.status).toBe(200);
      const page = RunList.parse(await response.json());
      sizes.push(page.runs.length);
      ids.push(...page.runs.map((run) => run.id));
      before = page.next;
    } while (before !== null && sizes.length < 20);
    return { sizes, ids };
  }

  it('lists every run once, newest first, page after page, runs created in one instant in trigger order', async () => {
    // As PGlite's clock (whole milliseconds) can make them: one creation instant for all.
    await testApp.database.db.execute(sql`update runs set created_at = '2026-01-02T03:04:05.678Z'`);
    const { sizes, ids } = await pageThroughRuns(3);
    expect(sizes).toEqual([3, 3, 1]);
    expect(ids).toEqual([...triggered].reverse());
  });

  it('pages runs stored before trigger order was kept (no seq) among the others without losing any', async () => {
    await testApp.database.db.execute(sql`update runs set created_at = '2026-01-02T03:04:05.678Z'`);
    await testApp.database.db.execute(sql`update runs set seq = null where id in (${triggered[1]}, ${triggered[4]})`);
    const { sizes, ids } = await pageThroughRuns(2);
    expect(sizes).toEqual([2, 2, 2, 1]);
    expect([...ids].sort()).toEqual([...triggered].sort());
    const whole = RunList.parse(await (await get('/api/runs?limit=50')).json());
    expect(ids).toEqual(whole.runs.map((run) => run.id));
    expect(whole.next).toBeNull();
  });

  it('pages within a status filter, from any run as the position', async () => {
    const db = testApp.database.db;
    await db.execute(sql`update runs set created_at = '2026-01-02T03:04:05.678Z'`);
    await db.execute(
      sql`update runs set status = 'failed' where id in (${triggered[0]}, ${triggered[2]}, ${triggered[5]})`,
    );
    const first = RunList.parse(await (await get('/api/runs?status=failed&limit=2')).json());
    expect(first.runs.map((run) => run.id)).toEqual([triggered[5], triggered[2]]);
    expect(first.next).toBe(triggered[2]);
    const second = RunList.parse(await (await get(`/api/runs?status=failed&limit=2&before=${first.next}`)).json());
    expect(second).toMatchObject({ runs: [{ id: triggered[0] }], next: null });
    // A run the filter leaves out still marks a place in the list.
    const fromOther = RunList.parse(await (await get(`/api/runs?status=failed&before=${triggered[3]}`)).json());
    expect(fromOther.runs.map((run) => run.id)).toEqual([triggered[2], triggered[0]]);
  });

  it('answers an empty last page after the oldest run, and 404 for a run that does not exist', async () => {
    const whole = RunList.parse(await (await get('/api/runs?limit=50')).json());
    const oldest = whole.runs.at(-1)?.id;
    const after = await get(`/api/runs?before=${oldest}`);
    expect(RunList.parse(await after.json())).toEqual({ runs: [], next: null });

    const missing = await get('/api/runs?before=no-such-run');
    expect(missing.status).toBe(404);
    const { error } = ErrorBody.parse(await missing.json());
    expect(error.message).toBe('run "no-such-run" not found: list again without before');
  });

  it('pages the audit trail by event id, every event once', async () => {
    for (const name of ['ann', 'bob', 'cyd', 'dee', 'eve']) {
      const created = await testApp.app.request('/api/tokens', {
        method: 'POST',
        headers: asAdmin,
        body: JSON.stringify({ name, roles: ['read'] }),
      });
      expect(created.status).toBe(201);
    }
    const whole = AuditList.parse(await (await get('/api/audit?limit=500')).json());
    expect(whole.events.length).toBeGreaterThanOrEqual(12); // 7 triggers, 5 tokens
    expect(whole.next).toBeNull();

    const ids: number[] = [];
    let before: number | null = null;
    do {
      const response = await get(`/api/audit?limit=5${before === null ? '' : `&before=${before}`}`);
      const page = AuditList.parse(await response.json());
      expect(page.events.length).toBeLessThanOrEqual(5);
      ids.push(...page.events.map((event) => event.id));
      before = page.next;
    } while (before !== null && ids.length <= whole.events.length);
    expect(ids).toEqual(whole.events.map((event) => event.id));

    const tokens = AuditList.parse(await (await get('/api/audit?action=token.create&limit=2')).json());
    expect(tokens.events.map((event) => event.details.name)).toEqual(['eve', 'dee']);
    const older = AuditList.parse(await (await get(`/api/audit?action=token.create&before=${tokens.next}`)).json());
    expect(older.events.map((event) => event.details.name)).toEqual(['cyd', 'bob', 'ann']);
  });

  it.each(['0', '-1', 'abc', '1.5'])('refuses before=%s of the audit trail with 400', async (before) => {
    const response = await get(`/api/audit?before=${before}`);
    expect(response.status).toBe(400);
    expect(ErrorBody.parse(await response.json()).error.message).toContain('must be an event id, a positive integer');
  });
});
