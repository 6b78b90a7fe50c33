/**
 * Throwaway PGlite databases for tests. Creating one (PGlite's initdb, then
 * every migration) takes seconds; copying a migrated one and opening the copy
 * takes well under one. The unit tests' global setup (pglite-template-setup.ts)
 * names a path in `GANTRY_TEST_PGLITE_TEMPLATE`; the first test file that
 * imports this module makes the migrated template there, and every test starts
 * from a copy of it. Without the variable (a test run some other way) each database
 * is created from nothing.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type OpenDatabase, openDatabase } from '../store/database.js';

export const pgliteTemplateVariable = 'GANTRY_TEST_PGLITE_TEMPLATE';

/**
 * The template is made while the test file that first needs it is imported,
 * not in its beforeAll: collecting a file has no time limit, a hook has one,
 * and making the template (PGlite's initdb, then every migration) takes 15 s
 * on a quiet 2-core machine and over 30 s on a loaded one, against a hook
 * limit of 60 s. Copying it in the hook takes well under one.
 */
const templateAtImport = process.env[pgliteTemplateVariable];
if (templateAtImport) await ensureTemplate(templateAtImport);

/** Opens a PGlite database of the test's own in `pgliteDir` (which must not exist yet). */
export async function openTestDatabase(pgliteDir: string): Promise<OpenDatabase> {
  const template = process.env[pgliteTemplateVariable];
  if (template) {
    await ensureTemplate(template);
    await cp(template, pgliteDir, { recursive: true, errorOnExist: true, force: false });
  }
  return openDatabase({ pgliteDir });
}

/**
 * Makes the migrated template at `template` unless it is there. It is built
 * under another name and renamed into place, so a half-made one is never
 * copied; test processes that build it at the same time keep the first.
 */
async function ensureTemplate(template: string): Promise<void> {
  if (existsSync(template)) return;
  const building = join(dirname(template), `building-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    const database = await openDatabase({ pgliteDir: building });
    await database.close();
    await rename(building, template);
  } catch (error) {
    if (!existsSync(template)) throw error;
  } finally {
    await rm(building, { recursive: true, force: true });
  }
}
