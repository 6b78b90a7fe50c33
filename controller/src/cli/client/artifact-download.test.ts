import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Artifact } from '@gantry/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArtifactDownloadError, downloadVerified, latestOfEachJob } from './artifact-download.js';

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
