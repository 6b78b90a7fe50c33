/**
 * The client commands (`gantry runs`, `gantry approve`, …) load neither the
 * controller nor gRPC: only `gantry controller` and `gantry up` import them,
 * when they run. Checked on the built command (`npm test` builds first; after
 * changing the CLI, `npm run build` before running this file alone) with a
 * module-loading hook that names every ES module the process loads.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const gantryBin = fileURLToPath(new URL('../../../bin/gantry.mjs', import.meta.url));
const reportLoads = `export async function load(url, context, next) { process.stderr.write('loaded ' + url + '\\n'); return next(url, context); }`;
const registerHook = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(reportLoads)}`)});`;

function modulesLoadedBy(args: string[]): string[] {
  const result = spawnSync(
    process.execPath,
    ['--import', `data:text/javascript,${encodeURIComponent(registerHook)}`, gantryBin, ...args],
    {
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    },
  );
  expect(result.status, result.stderr).toBe(0);
  return result.stderr
    .split('\n')
    .filter((line) => line.startsWith('loaded '))
    .map((line) => line.slice('loaded '.length));
}

describe('what a client command loads', () => {
  it.each([['--version'], ['runs', '--help'], ['approve', '--help']])(
    'gantry %s loads the CLI, not the controller',
    (...args) => {
      const loaded = modulesLoadedBy(args);
      expect(loaded.some((url) => url.endsWith('/controller/dist/cli/index.js'))).toBe(true);
      const heavy = loaded.filter((url) =>
        /\/controller\/dist\/main\.js$|\/proto\/dist\/index\.js$|\/node_modules\/(@electric-sql|drizzle-orm|@grpc|hono|nats)\//.test(
          url,
        ),
      );
      expect(heavy).toEqual([]);
    },
  );
});
