/**
 * Test results and environments on the page, in real headless Chromium on a
 * real farm: a run whose unit job's Vitest report has a failing case shows
 * the counts per job and the failing case with its message, whose opened
 * output stays open through a live update; the
 * Environments page shows staging and production side by side, and its
 * "Roll back to this" button deploys the first release again through the
 * production gate, after which the first commit and digest are live again
 * with the rollback's approver.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Farm, farmLogs, startFarm } from '../e2e/farm-fixture.js';
import { type ApiClient, api, createGitRepo, type RunView } from '../src/harness/index.js';
import { launchBrowser, screenshotDir, signedIn, watchProblems } from './browser.js';

const flowTimeoutMs = 300_000;
const ended = (run: RunView) => !['queued', 'running', 'waiting_for_concurrency'].includes(run.status);

describe('test results and environments on the page', () => {
  let farm: Farm;
  let browser: Browser;
  let tinaToken: string;
  let paul: ApiClient;

  beforeAll(async () => {
    farm = await startFarm({ agents: 1, slots: 3 });
    browser = await launchBrowser();
    const token = async (name: string, roles: ('read' | 'trigger' | 'approve')[]) => {
      const made = await farm.client.POST('/api/tokens', { body: { name, roles } });
      return made.data?.token ?? '';
    };
    tinaToken = await token('tina', ['read', 'trigger']);
    paul = api(farm.controller.httpUrl, await token('paul', ['read', 'approve']));
  });
  afterAll(async () => {
    await browser?.close();
    await farm?.stop();
  });

  it(
    'shows the counts per job and the failing case with its message on the run page',
    async () => {
      const repo = await createGitRepo({
        '.gantry.yml': `name: tested
stages:
  - name: test
    jobs:
      - { name: unit, reports: { junit: [vitest.xml] }, steps: ["cp fixtures/vitest.xml vitest.xml", "exit 1"] }
      - { name: api, reports: { junit: [pytest.xml] }, steps: ["cp fixtures/pytest-passed.xml pytest.xml"] }
`,
        'fixtures/vitest.xml': readFileSync(new URL('../fixtures/junit/vitest.xml', import.meta.url), 'utf8'),
        'fixtures/pytest-passed.xml': readFileSync(
          new URL('../fixtures/junit/pytest-passed.xml', import.meta.url),
          'utf8',
        ),
      });
      try {
        const created = await farm.client.POST('/api/runs', { body: { repo: repo.path, ref: 'main' } });
        const run = await farm.client.waitForRun(created.data?.id ?? '', ended, { timeoutMs: 120_000 });
        expect(run.status, farmLogs(farm)).toBe('failed');
        const page = await (await signedIn(browser, farm.controller.httpUrl, tinaToken)).newPage();
        const problems = watchProblems(page);
        // The page's event stream is held until the reader has opened a fold, so
        // the first live update lands on an open fold and must keep it open.
        let releaseEvents = () => {};
        const eventsHeld = new Promise<void>((resolve) => {
          releaseEvents = resolve;
        });
        await page.route(
          (url) => url.pathname === '/events',
          async (route) => {
            await eventsHeld;
            await route.continue();
          },
        );
        await page.goto(`/runs/${run.id}`);
        const tests = page.locator('#tests');
        await tests.waitFor();
        const cells = async (job: string) =>
          (await tests.locator(`tr[data-job="${job}"] td`).allTextContents()).map((text) => text.trim());
        expect(await cells('unit')).toEqual(['4', '2', '1', '0', '1']);
        expect(await cells('api')).toEqual(['3', '3', '0', '0', '0']);
        const failing = tests.locator('.failing-tests li');
        expect(await failing.count()).toBe(1);
        expect(await failing.locator('strong').textContent()).toBe('greet > shouts');
        expect(await failing.locator('.test-message').textContent()).toBe(
          "expected 'hello' to be 'HELLO' // Object.is equality",
        );
        await failing.getByText('Output').click();
        await failing.locator('.test-output', { hasText: 'src/greet.test.ts:9:22' }).waitFor();
        releaseEvents();
        await page.locator('#run-live[data-updated]').waitFor({ state: 'attached' });
        expect(await failing.locator('details').getAttribute('open')).toBe('');
        expect(await failing.locator('.test-output').isVisible()).toBe(true);
        await page.screenshot({ path: join(screenshotDir, 'run-tests.png'), fullPage: true });
        expect(problems).toEqual([]);
      } finally {
        await repo.remove();
      }
    },
    flowTimeoutMs,
  );

  it(
    'shows staging and production side by side, and rolls production back with the page button',
    async () => {
      const repo = await createGitRepo({
        '.gantry.yml': `name: release
stages:
  - name: build
    jobs: [{ name: compile, artifacts: [app.txt], steps: ["cat VERSION > app.txt"] }]
  - name: staging
    environment: staging
    jobs: [{ name: deploy, needs_artifacts: [compile], steps: ["cat app.txt"] }]
  - name: production
    environment: production
    approval: { required: 1 }
    jobs: [{ name: deploy, needs_artifacts: [compile], steps: ["cat app.txt"] }]
`,
        VERSION: 'v1\n',
      });
      try {
        const release = async () => {
          const created = await farm.client.POST('/api/runs', { body: { repo: repo.path, ref: 'main' } });
          const id = created.data?.id ?? '';
          await farm.client.waitForRun(id, (run) => run.status === 'awaiting_approval' || ended(run), {
            timeoutMs: 120_000,
          });
          await paul.POST('/api/runs/{id}/stages/{stage}/approve', {
            params: { path: { id, stage: 'production' } },
            body: {},
          });
          const run = await farm.client.waitForRun(id, ended, { timeoutMs: 120_000 });
          expect(run.status, farmLogs(farm)).toBe('succeeded');
          return run;
        };
        const first = await release();
        await repo.commit({ VERSION: 'v2\n' }, 'version 2');
        const second = await release();

        const context = await signedIn(browser, farm.controller.httpUrl, tinaToken);
        const page = await context.newPage();
        const problems = watchProblems(page);
        await page.goto('/environments');
        const columns = page.locator('.environment');
        expect(
          await columns.evaluateAll((sections) => sections.map((s) => s.getAttribute('data-environment'))),
        ).toEqual(['staging', 'production']);
        const production = page.locator('[data-environment="production"]');
        expect(await production.locator('.live-sha').textContent()).toBe(second.sha?.slice(0, 10));
        expect(await page.locator('[data-environment="staging"] .live-sha').textContent()).toBe(
          second.sha?.slice(0, 10),
        );
        // Side by side on a laptop screen: the two columns share a row.
        const [stagingBox, productionBox] = await Promise.all([
          page.locator('[data-environment="staging"]').boundingBox(),
          production.boundingBox(),
        ]);
        expect(stagingBox?.y).toBe(productionBox?.y);
        await page.screenshot({ path: join(screenshotDir, 'environments.png'), fullPage: true });

        await production
          .locator('li[data-kind="deploy"]', { hasText: first.sha?.slice(0, 10) ?? '' })
          .getByRole('button', { name: 'Roll back to this' })
          .click();
        await page.waitForURL(`**/runs/${first.id}`);
        await page.locator('[data-gate="production"]').waitFor({ timeout: 60_000 });
        // The approval panel says what the rollback would change in production.
        const changes = page.locator('[data-gate="production"] .what-changes');
        expect(await changes.locator('h3').textContent()).toBe('What changes in production');
        expect(await changes.textContent()).toContain('1 commit(s) taken out');
        expect(await changes.textContent()).toContain('version 2');
        expect(await changes.locator('.changed-artifacts li').count()).toBe(1);
        await paul.POST('/api/runs/{id}/stages/{stage}/approve', {
          params: { path: { id: first.id, stage: 'production' } },
          body: {},
        });
        await farm.client.waitForRun(first.id, (run) => run.status === 'succeeded', { timeoutMs: 120_000 });

        await page.goto('/environments');
        expect(await production.locator('.live-sha').textContent()).toBe(first.sha?.slice(0, 10));
        expect(await production.locator('.requested-by').textContent()).toBe('tina');
        expect(await production.locator('.live .approvers').textContent()).toBe('paul');
        const artifacts = await farm.client.GET('/api/runs/{id}/artifacts', { params: { path: { id: first.id } } });
        const digest = artifacts.data?.artifacts.find((artifact) => artifact.path === 'app.txt')?.sha256 ?? '';
        expect(await production.locator('.live .digest').textContent()).toBe(digest.slice(0, 12));
        expect(await production.locator('li[data-kind="rollback"]').first().textContent()).toContain('asked by tina');
        await page.screenshot({ path: join(screenshotDir, 'environments-rolled-back.png'), fullPage: true });
        expect(problems).toEqual([]);
      } finally {
        await repo.remove();
      }
    },
    flowTimeoutMs,
  );
});
