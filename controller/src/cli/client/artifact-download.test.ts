import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Artifact } from '@gantry/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runControllerCli } from '../index.js';
import { ArtifactDownloadError, downloadVerified, latestOfEachJob } from './artifact-download.js';
import { captureIo, type FakeApi, startFakeApi } from './fake-api.js';

const bytes = Buffer.from('the built binary');
const digest = createHash('sha256').update(bytes).digest('hex');
const artifact = (overrides: Partial<Artifact> = {}): Artifact => ({
  id: 'a1',
  jobId: 'j1',
  jobName: 'compile',
  attempt: 1,
  path: 'dist/app.bin',
  size: bytes.length,
  sha256: digest,
  executable: false,
  url: 'http://gantry.test/api/runs/r/artifacts/a1',
  ...overrides,
});

describe('downloadVerified', () => {
  let server: Server;
  let url: string;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gantry-cli-download-'));
    server = createServer((_request, response) => response.end(bytes));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/object`;
  });
  afterAll(() => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps a file whose digest matches, at its relative path', async () => {
    const target = await downloadVerified(url, dir, artifact());
    expect(target).toBe(join(dir, 'dist', 'app.bin'));
    expect(readFileSync(target)).toEqual(bytes);
  });

  it('refuses a file whose digest does not match, keeping nothing', async () => {
    const expected = 'f'.repeat(64);
    const wrong = artifact({ path: 'dist/other.bin', sha256: expected });
    await expect(downloadVerified(url, dir, wrong)).rejects.toThrow(
      `dist/other.bin does not match: expected sha256 ${expected} (${bytes.length} bytes), got sha256 ${digest} (${bytes.length} bytes)`,
    );
    expect(existsSync(join(dir, 'dist', 'other.bin'))).toBe(false);
    expect(existsSync(join(dir, 'dist', 'other.bin.partial'))).toBe(false);
  });

  it('takes the latest attempt of each job and refuses two jobs keeping one path', () => {
    const retried = [artifact(), artifact({ id: 'a2', attempt: 2 })];
    expect(latestOfEachJob(retried).map((a) => a.id)).toEqual(['a2']);
    const clash = [artifact(), artifact({ id: 'b1', jobId: 'j2', jobName: 'package' })];
    expect(() => latestOfEachJob(clash)).toThrow(ArtifactDownloadError);
  });
});

describe('gantry artifacts of a run with more files than one answer lists', () => {
  let api: FakeApi | undefined;
  afterAll(async () => {
    await api?.close();
  });

  it('says the list is cut, and downloads nothing rather than a set that may miss the latest attempt', async () => {
    api = await startFakeApi({ 'GET /api/runs/r/artifacts': { json: { artifacts: [artifact()], truncated: true } } });
    const env = { GANTRY_URL: api.url, GANTRY_TOKEN: 't0ken' };
    const listed = captureIo(env);
    expect(await runControllerCli(['artifacts', 'r'], listed.io)).toBe(0);
    expect(listed.stdout()).toContain('dist/app.bin');
    expect(listed.stderr()).toBe(
      'warning: run r kept more files than the API lists at once (1); the first are shown\n',
    );

    const target = mkdtempSync(join(tmpdir(), 'gantry-cli-cut-'));
    const download = captureIo(env);
    expect(await runControllerCli(['artifacts', 'r', '--download', target], download.io)).toBe(1);
    expect(download.stderr()).toBe(
      'error: run r kept more files than the API lists at once (1); download them per file through the API\n',
    );
    expect(existsSync(join(target, 'dist'))).toBe(false);
    rmSync(target, { recursive: true, force: true });
  });
});
