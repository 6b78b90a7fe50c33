#!/usr/bin/env node
// Runs a TypeScript module of the bench without a build step: `node bench/run.mjs FILE.ts [args…]`
// loads FILE.ts (and the TypeScript test harness it imports) through Vite's SSR module loader,
// which ships with vitest (a root devDependency), then calls its exported `main(args)` and exits
// with the number it returns. Why not tsc or vitest: see bench/README.md.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createViteServer } from 'vitest/node';

const root = fileURLToPath(new URL('..', import.meta.url));
const [file, ...args] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: node bench/run.mjs FILE.ts [args…]\n');
  process.exit(2);
}

// Ctrl-C / SIGTERM: exit normally so the harness's exit handlers kill the processes it started.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(signal, () => {
    process.stderr.write(`\nbench: ${signal}, stopping and cleaning up\n`);
    process.exit(130);
  });
}

const server = await createViteServer({
  configFile: false,
  root,
  appType: 'custom',
  logLevel: 'error',
  clearScreen: false,
  server: { middlewareMode: true, hmr: false, ws: false, watch: null },
  optimizeDeps: { noDiscovery: true, include: [] },
});
let code = 1;
try {
  const module = await server.ssrLoadModule(resolve(file));
  code = await module.main(args);
} catch (error) {
  process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
} finally {
  await server.close().catch(() => {});
}
process.exit(code ?? 0);
