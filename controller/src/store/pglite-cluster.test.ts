/**
 * PGlite's cluster is made by a child process when its directory has none;
 * the controller then opens it as an existing one.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensurePgliteCluster } from './pglite-cluster.js';

describe('ensurePgliteCluster', () => {
  const root = mkdtempSync(join(tmpdir(), 'gantry-pglite-cluster-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('creates a cluster where there is none, and leaves an existing one as it is', async () => {
    const dir = join(root, 'pglite');
    await ensurePgliteCluster(dir);
    const version = join(dir, 'PG_VERSION');
    expect(readFileSync(version, 'utf8').trim()).toMatch(/^\d+$/);
    const made = statSync(version).mtimeMs;
    writeFileSync(join(dir, 'marker'), 'kept');
    await ensurePgliteCluster(dir);
    expect(statSync(version).mtimeMs).toBe(made);
    expect(existsSync(join(dir, 'marker'))).toBe(true);
  }, 120_000);

  it('names the directory when the cluster cannot be made', async () => {
    const file = join(root, 'not-a-directory');
    writeFileSync(file, '');
    await expect(ensurePgliteCluster(join(file, 'pglite'))).rejects.toThrow(
      `cannot create the PGlite database in ${join(file, 'pglite')}`,
    );
  }, 120_000);
});
