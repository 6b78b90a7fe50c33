import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DiskStore } from './disk-store.js';

describe('DiskStore.putObject', () => {
  let dataDir: string;
  let store: DiskStore;

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'gantry-disk-store-'));
    store = new DiskStore({ dataDir, baseUrl: () => 'http://127.0.0.1:1' });
    await store.open();
  });
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  const incoming = () => readdirSync(join(dataDir, 'artifacts', '.incoming'));

  it('stores bytes in memory and a stream alike: owner-only files, nothing left half-written', async () => {
    await store.putObject('logs/run-1/job-1.log.gz', Buffer.from('from memory\n'), 12);
    await store.putObject('logs/run-1/job-2.log.gz', Readable.from([Buffer.from('from a stream\n')]), 14);

    expect(await text(await store.getObject('logs/run-1/job-1.log.gz'))).toBe('from memory\n');
    expect(await text(await store.getObject('logs/run-1/job-2.log.gz'))).toBe('from a stream\n');
    for (const name of ['job-1.log.gz', 'job-2.log.gz']) {
      expect(statSync(join(dataDir, 'artifacts', 'logs', 'run-1', name)).mode & 0o777).toBe(0o600);
    }
    expect(incoming()).toEqual([]);
  });

  it('replaces an object put again under the same key with the new bytes', async () => {
    await store.putObject('logs/run-1/job-1.log.gz', Buffer.from('first'), 5);
    await store.putObject('logs/run-1/job-1.log.gz', Buffer.from('second'), 6);
    expect(await text(await store.getObject('logs/run-1/job-1.log.gz'))).toBe('second');
  });

  it('refuses a key outside the store, writing nothing', async () => {
    await expect(store.putObject('../escape', Buffer.from('x'), 1)).rejects.toThrow('not an object key');
    expect(incoming()).toEqual([]);
  });
});
