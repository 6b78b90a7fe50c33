/**
 * PGlite's cluster is made by a child process when its directory has none,
 * and moved into place with PG_VERSION last; the controller then opens it as
 * an existing one.
 */

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, describe, expect, it, vi } from 'vitest';
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

  it('puts PG_VERSION in place after everything else, so a creation killed at any moment leaves no half cluster', async () => {
    const dir = join(root, 'watched');
    mkdirSync(dir);
    const appeared: string[] = [];
    const watcher = watch(dir, (_event, name) => {
      if (name && !appeared.includes(name)) appeared.push(name);
    });
    try {
      await ensurePgliteCluster(dir);
      // The watcher's events are queued by now; a loaded machine may be slow to deliver them.
      await vi.waitFor(() => expect(appeared).toContain('PG_VERSION'), { timeout: 10_000, interval: 20 });
    } finally {
      watcher.close();
    }
    // PGlite itself writes PG_VERSION before pg_hba.conf, postgresql.conf and others.
    expect(appeared).toEqual(expect.arrayContaining(['base', 'global', 'pg_xact', 'postgresql.conf', 'pg_hba.conf']));
    expect(appeared.at(-1)).toBe('PG_VERSION');
  }, 120_000);

  it('makes a cluster that opens where an interrupted creation left files but no PG_VERSION', async () => {
    const dir = join(root, 'interrupted');
    mkdirSync(join(dir, 'base', '1'), { recursive: true });
    writeFileSync(join(dir, 'base', '1', '1259'), 'half a table');
    mkdirSync(join(dir, '.creating', 'global'), { recursive: true });
    await ensurePgliteCluster(dir);
    expect(existsSync(join(dir, '.creating'))).toBe(false);
    expect(readFileSync(join(dir, 'base', '1', '1259')).length).toBeGreaterThan(100);
    const db = await PGlite.create(dir);
    try {
      expect((await db.query<{ one: number }>('select 1 as one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await db.close();
    }
  }, 120_000);

  it('names the directory when the cluster cannot be made', async () => {
    const file = join(root, 'not-a-directory');
    writeFileSync(file, '');
    await expect(ensurePgliteCluster(join(file, 'pglite'))).rejects.toThrow(
      `cannot create the PGlite database in ${join(file, 'pglite')}`,
    );
  }, 120_000);
});
