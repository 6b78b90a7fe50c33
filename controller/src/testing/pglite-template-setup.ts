/**
 * Vitest global setup of the `unit` project: one migrated PGlite database for
 * the whole run, which openTestDatabase() copies (see test-database.ts). The
 * test processes inherit the variable naming it; teardown removes it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makePgliteTemplate, pgliteTemplateVariable } from './test-database.js';

export async function setup(): Promise<() => void> {
  const parent = mkdtempSync(join(tmpdir(), 'gantry-pglite-template-'));
  const template = join(parent, 'pglite');
  try {
    await makePgliteTemplate(template);
  } catch (error) {
    rmSync(parent, { recursive: true, force: true });
    throw error;
  }
  process.env[pgliteTemplateVariable] = template;
  return () => {
    delete process.env[pgliteTemplateVariable];
    rmSync(parent, { recursive: true, force: true });
  };
}
