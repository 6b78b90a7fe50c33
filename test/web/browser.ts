/**
 * Real headless Chromium for the page's tests: Debian's /usr/bin/chromium
 * driven by playwright-core (no browser is ever downloaded). `--no-sandbox`
 * because CI runs as root, where Chromium's sandbox refuses to start.
 */
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

export const chromiumPath = '/usr/bin/chromium';

/** Screenshots the tests keep (gitignored): the runs list, a run page, a log. */
export const screenshotDir = fileURLToPath(new URL('../../test-output/web/', import.meta.url));

export function launchBrowser(): Promise<Browser> {
  mkdirSync(screenshotDir, { recursive: true });
  return chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

/** A fresh browser profile signed in with `token` through the /login form; fails with the page's message if refused. */
export async function signedIn(browser: Browser, baseUrl: string, token: string): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL: baseUrl });
  const page = await context.newPage();
  await page.goto('/login');
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname === '/');
  await page.close();
  return context;
}

/** Collects what the page's script threw and what the CSP refused, for the test to assert there was none. */
export function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console: ${message.text()}`);
  });
  return problems;
}
