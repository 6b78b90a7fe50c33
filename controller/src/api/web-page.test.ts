/**
 * The web page as the controller serves it, in-process: signing in exchanges
 * a token for a sealed cookie, pages need a session, forms need their CSRF
 * token, and every answer carries the strict Content-Security-Policy.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestApp, type TestApp, testAdminToken } from '../testing/api-test-app.js';

const pipeline = 'name: page\nstages:\n  - name: build\n    jobs:\n      - { name: compile, steps: ["true"] }\n';

describe('the web page', () => {
  let test: TestApp;
  beforeAll(async () => {
    test = await openTestApp({ pipeline });
  }, 60_000);
  afterAll(() => test?.close());

  const signIn = async (token: string, next = '/agents') => {
    const form = await test.app.request('/login');
    const loginCookie = /gantry_login=([^;]+)/.exec(form.headers.get('set-cookie') ?? '')?.[1] ?? '';
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
    return test.app.request('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `gantry_login=${loginCookie}` },
      body: new URLSearchParams({ _csrf: csrf, token, next }).toString(),
    });
  };

  it('sends a visitor without a session to /login, keeping where they were going', async () => {
    const answer = await test.app.request('/runs/r1?x=1');
    expect(answer.status).toBe(303);
    expect(answer.headers.get('location')).toBe('/login?next=%2Fruns%2Fr1%3Fx%3D1');
    expect(answer.headers.get('content-security-policy')).toContain("script-src 'self'");
  });

  it('exchanges a token for an HttpOnly, SameSite=Strict cookie that does not hold it in clear', async () => {
    const answer = await signIn(testAdminToken);
    expect(answer.status).toBe(303);
    expect(answer.headers.get('location')).toBe('/agents');
    const cookie = answer.headers.getSetCookie().find((value) => value.startsWith('gantry_session=')) ?? '';
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).not.toContain(testAdminToken);
    const session = cookie.split(';')[0] ?? '';
    const page = await test.app.request('/', { headers: { cookie: session } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<title>Runs · Gantry</title>');
    expect(html).not.toContain(testAdminToken);
    expect(html).not.toMatch(/<script>|<script [^>]*>[^<]/);
  });

  it.each(['/\t/evil.example/', '/\n/evil.example/', '/\\evil.example/', '//evil.example/', 'https://evil.example/'])(
    'sends a sign-in told to go on to %j to the runs page, never to another site',
    async (next) => {
      const answer = await signIn(testAdminToken, next);
      expect(answer.status).toBe(303);
      expect(answer.headers.get('location')).toBe('/');
      const cookie = answer.headers.getSetCookie().find((value) => value.startsWith('gantry_session='));
      const again = await test.app.request(`/login?next=${encodeURIComponent(next)}`, {
        headers: { cookie: cookie?.split(';')[0] ?? '' },
      });
      expect(again.headers.get('location')).toBe('/');
    },
  );

  it('refuses a wrong token with the reason on the sign-in page', async () => {
    const answer = await signIn('gantry_nope');
    expect(answer.status).toBe(401);
    expect(await answer.text()).toContain('invalid token: it is unknown or was revoked');
  });

  it('shows the agents to an admin, and a Drain refused by the API as its message', async () => {
    const signedIn = await signIn(testAdminToken);
    const cookie = signedIn.headers
      .getSetCookie()
      .find((value) => value.startsWith('gantry_session='))
      ?.split(';')[0];
    const page = await test.app.request('/agents', { headers: { cookie: cookie ?? '' } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<title>Agents · Gantry</title>');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
    const drained = await test.app.request('/agents/no-such-agent/drain', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookie ?? '' },
      body: new URLSearchParams({ _csrf: csrf }).toString(),
    });
    expect(drained.status).toBe(404);
    const answer = await drained.text();
    expect(answer).toContain(
      '<p class="notice error" role="alert">Not drained: agent &quot;no-such-agent&quot; not found</p>',
    );
    expect(answer).not.toContain('"code"');
  });

  it('refuses a form post without its CSRF token', async () => {
    const signedIn = await signIn(testAdminToken);
    const session = signedIn.headers.getSetCookie().find((value) => value.startsWith('gantry_session='));
    const answer = await test.app.request('/agents/a1/drain', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: session?.split(';')[0] ?? '' },
      body: '_csrf=forged',
    });
    expect(answer.status).toBe(403);
  });

  it('pages the runs list: the newest 50 live, older runs a link away, each run once', async () => {
    // 55 runs a second apart, newest last; the list shows run-055 first.
    await test.database.db.execute(sql`
      insert into runs (id, repo, ref, status, triggered_by, created_at)
      select 'run-' || lpad(i::text, 3, '0'), '/srv/paged', 'main', 'succeeded', 'admin',
        timestamptz '2026-01-01T00:00:00Z' + make_interval(secs => i)
      from generate_series(1, 55) i`);
    const signedIn = await signIn(testAdminToken);
    const cookie = signedIn.headers.getSetCookie().find((value) => value.startsWith('gantry_session='));
    const headers = { cookie: cookie?.split(';')[0] ?? '' };
    const shown = (html: string) => [...html.matchAll(/data-run="(run-\d+)"/g)].map((match) => match[1]);
    const older = (html: string) =>
      /<a href="([^"]+)" rel="next">Older runs<\/a>/.exec(html)?.[1]?.replaceAll('&amp;', '&');

    const first = await (await test.app.request('/?repo=%2Fsrv%2Fpaged', { headers })).text();
    expect(shown(first)).toHaveLength(50);
    expect(shown(first)[0]).toBe('run-055');
    expect(first).toContain('data-live="/partials/runs?repo=%2Fsrv%2Fpaged"');
    expect(older(first)).toBe('/?repo=%2Fsrv%2Fpaged&before=run-006');
    // The live part carries the link with its rows, so it follows the last run shown.
    const partial = await (await test.app.request('/partials/runs?repo=%2Fsrv%2Fpaged', { headers })).text();
    expect(older(partial)).toBe('/?repo=%2Fsrv%2Fpaged&before=run-006');

    const second = await (await test.app.request(older(first) ?? '', { headers })).text();
    expect(shown(second)).toEqual(['run-005', 'run-004', 'run-003', 'run-002', 'run-001']);
    expect(second).not.toContain('data-live');
    expect(older(second)).toBeUndefined();
    expect(second).toContain('<a href="/?repo=%2Fsrv%2Fpaged">Newest runs</a>');
    expect(first).toContain('data-events="/events?repo=%2Fsrv%2Fpaged&amp;limit=50"');

    const none = await (await test.app.request('/?repo=%2Fsrv%2Fpaged&before=run-001', { headers })).text();
    expect(shown(none)).toEqual([]);
    expect(none).toContain('No older runs.');
    // A hand-edited link to a run that does not exist: the newest runs.
    const unknown = await test.app.request('/?repo=%2Fsrv%2Fpaged&before=run-999', { headers });
    expect(unknown.status).toBe(303);
    expect(unknown.headers.get('location')).toBe('/?repo=%2Fsrv%2Fpaged');
  });
});
