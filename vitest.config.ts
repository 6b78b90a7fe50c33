import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Two projects: `unit` (next to the code, no services) and `integration`
// (test/, against one real Postgres and nats-server started by the harness).
// `npx vitest run --project unit` runs only the fast ones.
export default defineConfig({
  test: {
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          // At least two files at a time, also on a 2-core machine (vitest's default is one less than the
          // cores): the unit files wait on git, PGlite and child processes much of the time, so two take
          // about a fifth less time than one there. The integration files run after them, one at a time.
          maxWorkers: Math.max(2, availableParallelism() - 1),
          // One migrated PGlite database that the tests' own databases are copied from.
          globalSetup: ['controller/src/testing/pglite-template-setup.ts'],
          // Some unit tests start PGlite or git; a loaded machine must slow them down, not fail them.
          testTimeout: 30_000,
          hookTimeout: 30_000,
          include: [
            'common/src/**/*.test.ts',
            'controller/src/**/*.test.ts',
            'agent/src/**/*.test.ts',
            'web/src/**/*.test.ts',
          ],
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          globalSetup: ['test/src/harness/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // The machines have 2 cores and the farm's processes need them.
          fileParallelism: false,
        },
      },
    ],
  },
});
