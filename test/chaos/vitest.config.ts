import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The full chaos profile (`npm run chaos`, through cli.mjs): one long test
// against its own farm, progress printed live. Not part of `npm test`, whose
// integration project runs the small profile (chaos.test.ts).
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    name: 'chaos',
    include: ['test/chaos/**/*.chaos.ts'],
    globalSetup: ['test/src/harness/global-setup.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 3_600_000,
    hookTimeout: 120_000,
    disableConsoleIntercept: true,
  },
});
