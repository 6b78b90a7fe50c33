/**
 * Vitest global setup of the `unit` project: names where the run's migrated
 * PGlite template goes (see test-database.ts; the first test that needs a
 * database makes it, so a run without one pays nothing). The test processes
 * inherit the variable; teardown removes the template.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pgliteTemplateVariable } from './test-database.js';

export function setup(): () => void {
  const parent = mkdtempSync(join(tmpdir(), 'gantry-pglite-template-'));
  process.env[pgliteTemplateVariable] = join(parent, 'pglite');
  return () => {
    delete process.env[pgliteTemplateVariable];
    rmSync(parent, { recursive: true, force: true });
  };
}
