/**
 * Markup an attacker controls reaches the page as text: a commit message and
 * a job's log full of script tags and event handlers are shown in real
 * headless Chromium without running anything, and every page answer carries
 * a Content-Security-Policy that allows no inline script and no other origin.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Farm, farmLogs, startFarm } from '../e2e/farm-fixture.js';
import { createGitRepo, type GitRepo } from '../src/harness/index.js';
import { launchBrowser, signedIn, watchProblems } from '../web/browser.js';

const subject = '<script>window.pwned="subject"</script><img src=x onerror="window.pwned=\'img\'"> ship it';
const logLine = '<script>window.pwned="log"</script><svg onload="window.pwned=\'svg\'"></svg>';
const terminal = (run: { status: string }) => !['queued', 'running', 'accepted'].includes(run.status);

describe('attacker markup on the page', () => {
  let farm: Farm;
  let browser: Browser;
  let repo: GitRepo;
  let runId: string;

  beforeAll(async () => {
    farm = await startFarm({ agents: 1, slots: 1 });
    browser = await launchBrowser();
    repo = await createGitRepo(
      {
        '.gantry.yml': `name: hostile\nstages:\n  - name: build\n    jobs:\n      - name: compile\n        steps: [${JSON.stringify(`printf '%s\\n' '${logLine}'`)}]\n`,
      },
      { message: `${subject}\n\n<iframe src="javascript:window.pwned='body'"></iframe>` },
    );
    const created = await farm.client.POST('/api/runs', { body: { repo: repo.path, ref: 'main' } });
    runId = created.data?.id ?? '';
    const run = await farm.client.waitForRun(runId, terminal, { timeoutMs: 60_000 });
    expect(run.status, farmLogs(farm)).toBe('succeeded');
  });
  afterAll(async () => {
    await browser?.close();
    await farm?.stop();
    await repo?.remove();
  });

  it('sends a strict Content-Security-Policy with every page', async () => {
    for (const path of ['/login', `/runs/${runId}`]) {
      const answer = await fetch(`${farm.controller.httpUrl}${path}`, { redirect: 'manual' });
      const policy = answer.headers.get('content-security-policy') ?? '';
      expect(policy).toContain("default-src 'none'");
      expect(policy).toContain("script-src 'self'");
      expect(policy).toContain("frame-ancestors 'none'");
      expect(policy).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
    }
  });

  it('shows a commit message with a script tag as text and runs none of it', async () => {
    const context = await signedIn(browser, farm.controller.httpUrl, farm.adminToken);
    const page = await context.newPage();
    const problems = watchProblems(page);
    await page.goto(`/runs/${runId}`);
    await page.locator('#summary').getByText(subject).waitFor();
    expect(await page.locator('main script, main img, main iframe').count()).toBe(0);
    expect(await page.evaluate('window.pwned')).toBeUndefined();
    expect(problems).toEqual([]);
    await context.close();
  });

  it('shows a job log with a script tag as text and runs none of it', async () => {
    const context = await signedIn(browser, farm.controller.httpUrl, farm.adminToken);
    const page = await context.newPage();
    await page.goto(`/runs/${runId}`);
    await page.locator('[data-job="compile"]').click();
    await page.locator('#log[data-state="done"]').waitFor({ timeout: 30_000 });
    await page.locator('#log').getByText(logLine).waitFor();
    expect(await page.locator('#log script, #log svg').count()).toBe(0);
    expect(await page.evaluate('window.pwned')).toBeUndefined();
    await context.close();
  });

  it('stays healthy', async () => {
    expect((await fetch(`${farm.controller.httpUrl}/healthz`)).status).toBe(200);
  });
});
