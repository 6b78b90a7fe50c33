/**
 * Throwaway PGlite databases for tests. Creating one (PGlite's initdb, then
 * every migration) takes seconds; copying a migrated one and opening the copy
 * takes well under one. The unit tests' global setup (pglite-template-setup.ts)
 * makes one migrated template per test run and names it in
 * `GANTRY_TEST_PGLITE_TEMPLATE`; openTestDatabase() starts from a copy of it,
 * or from nothing when no template is named (a test run some other way).
 */
import { cp } from 'node:fs/promises';
import { type OpenDatabase, openDatabase } from '../store/database.js';

export const pgliteTemplateVariable = 'GANTRY_TEST_PGLITE_TEMPLATE';

/** Creates and migrates a PGlite database in `dir` (which must not exist yet), then closes it. */
export async function makePgliteTemplate(dir: string): Promise<void> {
  const database = await openDatabase({ pgliteDir: dir });
  await database.close();
}

/** Opens a PGlite database of the test's own in `pgliteDir` (which must not exist yet). */
export async function openTestDatabase(pgliteDir: string): Promise<OpenDatabase> {
  const template = process.env[pgliteTemplateVariable];
  if (template) await cp(template, pgliteDir, { recursive: true, errorOnExist: true, force: false });
  return openDatabase({ pgliteDir });
}
