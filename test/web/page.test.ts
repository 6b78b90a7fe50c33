/**
 * The web page on a real farm in real headless Chromium: sign in, trigger a
 * run through the API, watch its job go queued → running → succeeded
 * without reloading, read its coloured log as it arrives, and release
 * production as a second identity with a comment; a refused self-approval
 * reads as a message; a commit subject full of markup stays text.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Farm, farmLogs, startFarm } from '../e2e/farm-fixture.js';
import { type ApiClient, api, createGitRepo, type GitRepo } from '../src/harness/index.js';
import { launchBrowser, screenshotDir, signedIn, watchProblems } from './browser.js';

const flowTimeoutMs = 240_000;

describe('the web page', () => {
  let farm: Farm;
  let browser: Browser;
  let gates: string;
  let repo: GitRepo;
  let tinaToken: string;
  let paulToken: string;
  let tina: ApiClient;

  const token = async (name: string, roles: ('read' | 'trigger' | 'approve')[]) => {
    const made = await farm.client.POST('/api/tokens', { body: { name, roles } });
    expect(made.response.status, JSON.stringify(made.error)).toBe(201);
    return made.data?.token ?? '';
  };

  beforeAll(async () => {
    farm = await startFarm({ agents: 1, slots: 2 });
    browser = await launchBrowser();
    gates = await mkdtemp(join(tmpdir(), 'gantry-web-gates-'));
    tinaToken = await token('tina', ['read', 'trigger', 'approve']);
    paulToken = await token('paul', ['read', 'approve']);
    tina = api(farm.controller.httpUrl, tinaToken);
    // compile runs on a queue no agent serves until the test starts one, then waits for a file the test writes.
    repo = await createGitRepo({
      '.gantry.yml': `name: webapp
stages:
  - name: build
    jobs:
      - name: compile
        queue: web
        steps:
          - printf '\\033[32mgreen light\\033[0m\\n'
          - while [ ! -e ${gates}/compile ]; do sleep 0.05; done
          - echo released
          - while [ ! -e ${gates}/compile-end ]; do sleep 0.05; done
  - name: production
    environment: production
    approval: { required: 1 }
    jobs:
      - name: deploy
        steps:
          - while [ ! -e ${gates}/deploy ]; do sleep 0.05; done
          - echo deployed
`,
    });
  });
  afterAll(async () => {
    await browser?.close();
    await farm?.stop();
    await repo?.remove();
    if (gates) await rm(gates, { recursive: true, force: true });
  });

  it(
    'shows a run live, streams its log with colours, and releases production on a second approval',
    async () => {
      const tinaBrowser = await signedIn(browser, farm.controller.httpUrl, tinaToken);
      const cookies = await tinaBrowser.cookies();
      const session = cookies.find((cookie) => cookie.name === 'gantry_session');
      expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
      expect(session?.value).not.toContain(tinaToken);

      const created = await tina.POST('/api/runs', { body: { repo: repo.path, ref: 'main' } });
      expect(created.response.status).toBe(201);
      const runId = created.data?.id ?? '';
      expect(created.data?.url).toBe(`${farm.controller.httpUrl}/runs/${runId}`);

      // The title names the pipeline once the run is planned (planning follows the trigger's answer).
      const pipelineOf = async () =>
        (await tina.GET('/api/runs/{id}', { params: { path: { id: runId } } })).data?.pipeline;
      await expect.poll(pipelineOf, { timeout: 60_000 }).toBe('webapp');
      const runPage = await tinaBrowser.newPage();
      const problems = watchProblems(runPage);
      await runPage.goto(`/runs/${runId}`);
      expect(await runPage.title()).toContain('webapp');
      const compile = runPage.locator('[data-job="compile"]');
      // Marks this document: had the page reloaded, the mark would be gone.
      await runPage.evaluate('document.body.dataset.loadedOnce = "yes"');
      await expect.poll(() => compile.getAttribute('data-status'), { timeout: 60_000 }).toBe('queued');

      await farm.addAgent({ queue: 'web' });
      await runPage.locator('[data-job="compile"][data-status="running"]').waitFor({ timeout: 60_000 });
      await runPage.locator('#timeline rect').first().waitFor();
      await runPage.screenshot({ path: join(screenshotDir, 'run-page.png'), fullPage: true });

      // The log page labels each step boundary from the step reports the controller holds when it renders
      // the page: open it once the first step's report is in, so that its first label is already final.
      const compileId = (await tina.GET('/api/runs/{id}', { params: { path: { id: runId } } })).data?.stages[0]?.jobs[0]
        ?.id;
      expect(compileId).toBeDefined();
      const firstStep = async () => {
        const { data } = await tina.GET('/api/runs/{id}/jobs/{jobId}/steps', {
          params: { path: { id: runId, jobId: compileId ?? '' }, query: { attempt: 1 } },
        });
        const step = data?.steps[0];
        return step && { status: step.status, exitCode: step.exitCode };
      };
      await expect.poll(firstStep, { timeout: 60_000 }).toEqual({ status: 'succeeded', exitCode: 0 });

      const logPage = await tinaBrowser.newPage();
      const logProblems = watchProblems(logPage);
      await logPage.goto(`/runs/${runId}`);
      await logPage.locator('[data-job="compile"]').click();
      await logPage.waitForURL(/\/jobs\//);
      const green = logPage.locator('#log .fg-2', { hasText: 'green light' });
      await green.waitFor({ timeout: 30_000 });
      await logPage.locator('#log[data-state="streaming"]').waitFor({ timeout: 30_000 });
      await expect.poll(() => logPage.locator('#log .step').count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
      const boundaries = logPage.locator('#log .step');
      expect(await boundaries.first().getAttribute('data-label')).toMatch(/^succeeded · .* · exit 0$/);
      // Rendered before the step's start was reported, it reads pending until the page is read again.
      await expect.poll(() => boundaries.nth(1).getAttribute('data-label'), { timeout: 30_000 }).toMatch(/^running · /);
      await writeFile(join(gates, 'compile'), '');
      await logPage.locator('#log', { hasText: 'released' }).waitFor({ timeout: 30_000 });
      // While the job still runs, the step that just ended is labelled as it ended, and so is the list above.
      await expect
        .poll(() => boundaries.nth(1).getAttribute('data-label'), { timeout: 30_000 })
        .toMatch(/^succeeded · .* · exit 0$/);
      await logPage.locator('#job-head .steps li.status-succeeded').nth(1).waitFor({ timeout: 30_000 });
      expect(await logPage.locator('#job-head [data-status="running"]').count()).toBe(1);
      await writeFile(join(gates, 'compile-end'), '');
      await logPage.locator('#log[data-state="done"]').waitFor({ timeout: 30_000 });
      await logPage.locator('#job-head [data-status="succeeded"]').waitFor({ timeout: 30_000 });
      // The last step was running when the page was rendered: its boundary is labelled as it ended.
      expect(await logPage.locator('#log .step').last().getAttribute('data-label')).toMatch(
        /^succeeded · .* · exit 0$/,
      );
      await logPage.screenshot({ path: join(screenshotDir, 'job-log.png'), fullPage: true });

      await runPage.locator('[data-job="compile"][data-status="succeeded"]').waitFor({ timeout: 30_000 });
      await runPage.locator('[data-gate="production"]').waitFor({ timeout: 30_000 });
      expect(await runPage.evaluate('document.body.dataset.loadedOnce')).toBe('yes');

      const paulBrowser = await signedIn(browser, farm.controller.httpUrl, paulToken);
      const approverPage = await paulBrowser.newPage();
      await approverPage.goto(`/runs/${runId}`);
      await approverPage.getByLabel('Comment').fill('ship it');
      await approverPage.getByRole('button', { name: 'Approve' }).click();
      await approverPage.locator('.notice.info', { hasText: 'Approved.' }).waitFor();

      // tina's page, never reloaded, watches production start and the run succeed.
      await runPage.locator('[data-job="deploy"][data-status="running"]').waitFor({ timeout: 60_000 });
      await writeFile(join(gates, 'deploy'), '');
      await runPage.locator('#summary [data-status="succeeded"]').waitFor({ timeout: 60_000 });
      expect(await runPage.evaluate('document.body.dataset.loadedOnce')).toBe('yes');
      expect(await runPage.locator('#approvals .approval').count()).toBe(0);

      const run = await tina.GET('/api/runs/{id}', { params: { path: { id: runId } } });
      const decisions = run.data?.stages.find((stage) => stage.name === 'production')?.approval?.decisions;
      expect(decisions).toMatchObject([{ decision: 'approved', approver: 'paul', comment: 'ship it' }]);

      const listPage = await tinaBrowser.newPage();
      await listPage.goto('/');
      await listPage.locator(`tr[data-run="${runId}"] [data-status="succeeded"]`).waitFor();
      await listPage.screenshot({ path: join(screenshotDir, 'runs-list.png'), fullPage: true });
      expect([...problems, ...logProblems], farmLogs(farm)).toEqual([]);
    },
    flowTimeoutMs,
  );

  it(
    'shows a refused self-approval as a readable message',
    async () => {
      const gateOnly = await createGitRepo({
        '.gantry.yml':
          'name: gated\nstages:\n  - name: production\n    approval: true\n    jobs: [{ name: ship, steps: ["true"] }]\n',
      });
      try {
        const created = await tina.POST('/api/runs', { body: { repo: gateOnly.path, ref: 'main' } });
        const runId = created.data?.id ?? '';
        const page = await (await signedIn(browser, farm.controller.httpUrl, tinaToken)).newPage();
        await page.goto(`/runs/${runId}`);
        await page.locator('[data-gate="production"]').waitFor({ timeout: 60_000 });
        await page.getByRole('button', { name: 'Approve' }).click();
        const refusal = page.getByRole('alert');
        await refusal.waitFor();
        expect(await refusal.textContent()).toBe(
          'Not approved: tina triggered this run; the gate of stage "production" does not allow self-approval',
        );
        expect(await page.title()).toContain('awaiting approval');
        expect(await page.locator('[data-gate="production"]').count()).toBe(1);
      } finally {
        await gateOnly.remove();
      }
    },
    flowTimeoutMs,
  );

  it(
    'renders a commit subject full of markup as text, on the runs list (live) and the run page',
    async () => {
      const subject = '<script>document.title="pwned"</script><img src=x onerror="document.title=1"> fix & ship';
      const hostile = await createGitRepo(
        {
          '.gantry.yml':
            'name: hostile\nstages:\n  - name: build\n    jobs: [{ name: compile, steps: ["seq 1 250000", "echo end-of-output"] }]\n',
        },
        { message: subject },
      );
      try {
        const context = await signedIn(browser, farm.controller.httpUrl, tinaToken);
        const list = await context.newPage();
        const problems = watchProblems(list);
        await list.goto(`/?repo=${encodeURIComponent(hostile.path)}`);
        await list.getByText('No runs yet.').waitFor();
        const created = await tina.POST('/api/runs', { body: { repo: hostile.path, ref: 'main' } });
        const runId = created.data?.id ?? '';
        // The new run appears on the open list without a reload, its subject as text.
        const row = list.locator(`tr[data-run="${runId}"]`);
        await row.getByText(subject).waitFor({ timeout: 60_000 });
        await list.locator(`tr[data-run="${runId}"] [data-status="succeeded"]`).waitFor({ timeout: 60_000 });
        expect(await row.locator('script, img').count()).toBe(0);
        expect(await list.title()).toBe('Runs · Gantry');

        const page = await context.newPage();
        await page.goto(`/runs/${runId}`);
        await page.locator('#summary').getByText(subject).waitFor();
        expect(await page.locator('main script, main img').count()).toBe(0);
        expect(await page.title()).not.toContain('pwned');
        expect(await page.evaluate('document.title')).not.toBe('1');
        // At phone width nothing runs off the side.
        await page.setViewportSize({ width: 375, height: 800 });
        expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);

        // A 1.6 MB log opens at its end; the rest is a link away.
        await page.locator('[data-job="compile"]').click();
        await page.locator('#log[data-state="done"]').waitFor({ timeout: 30_000 });
        expect(await page.locator('#log-earlier').isVisible()).toBe(true);
        const shown = (await page.locator('#log').textContent()) ?? '';
        expect(shown.endsWith('250000\n$ echo end-of-output\nend-of-output\n')).toBe(true);
        // The last MiB, from the first whole line in it.
        expect(shown.length).toBeLessThanOrEqual(1024 * 1024);
        expect(shown.length).toBeGreaterThan(1024 * 1024 - 10);
        expect(shown).toMatch(/^\d+\n/);
        await page.getByRole('link', { name: 'Show all of it' }).click();
        await page.locator('#log[data-state="done"]').waitFor({ timeout: 60_000 });
        expect((await page.locator('#log').textContent())?.startsWith('$ seq 1 250000\n1\n2\n')).toBe(true);
        expect(problems).toEqual([]);
      } finally {
        await hostile.remove();
      }
    },
    flowTimeoutMs,
  );
});
