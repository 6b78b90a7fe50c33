import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ArtifactDownload__Output } from '@gantry/proto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ControllerClient } from '../controller-client.js';
import { ArtifactError } from './artifact-error.js';
import { downloadArtifacts } from './download-artifacts.js';

const lease = { jobId: 'j', attempt: 1, leaseToken: 't' };
const bytes = Buffer.from('the artifact\n');
const sha256 = createHash('sha256').update(bytes).digest('hex');

/** A store that answers every GET with `bytes`. */
let server: Server;
let url: string;
beforeAll(async () => {
  server = createServer((_request, response) => response.end(bytes));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/artifact`;
});
afterAll(() => server.close());

describe('downloadArtifacts', () => {
  let dir: string;
  let workspace: string;
  let outside: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gantry-download-'));
    workspace = join(dir, 'workspace');
    mkdirSync(join(workspace, 'dist'), { recursive: true });
    outside = join(dir, 'precious');
    writeFileSync(outside, 'outside');
    chmodSync(outside, 0o600);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function download(paths: string[], executable = false) {
    const downloads: ArtifactDownload__Output[] = paths.map((path) => ({
      jobName: 'build',
      path,
      size: bytes.length,
      sha256,
      url,
      executable,
    }));
    const controller = { getArtifactDownloads: async () => downloads } as unknown as ControllerClient;
    return downloadArtifacts({ controller, lease, workspace, needs: ['build'], print: () => {} });
  }

  it('writes a new file in place of a symlink at the temporary path, never through it', async () => {
    symlinkSync(outside, join(workspace, 'dist', 'app.bin.gantry-partial'));
    symlinkSync(join(dir, 'cron-job'), join(workspace, 'dist', 'tool.gantry-partial'));
    await download(['dist/app.bin', 'dist/tool']);
    expect(readFileSync(outside, 'utf8')).toBe('outside');
    expect(existsSync(join(dir, 'cron-job'))).toBe(false);
    for (const name of ['app.bin', 'tool']) {
      expect(lstatSync(join(workspace, 'dist', name)).isFile()).toBe(true);
      expect(readFileSync(join(workspace, 'dist', name))).toEqual(bytes);
    }
    expect(readdirSync(join(workspace, 'dist')).sort()).toEqual(['app.bin', 'tool']);
  });

  it('replaces a symlink where the file goes, changing neither the bytes nor the mode of what it pointed to', async () => {
    symlinkSync(outside, join(workspace, 'dist', 'app.bin'));
    // The old way round: a link at the temporary path was renamed into place, then chmod followed it.
    symlinkSync(outside, join(workspace, 'dist', 'app.bin.gantry-partial'));
    await download(['dist/app.bin'], true);
    expect(readFileSync(outside, 'utf8')).toBe('outside');
    expect(statSync(outside).mode & 0o777).toBe(0o600);
    const target = lstatSync(join(workspace, 'dist', 'app.bin'));
    expect(target.isFile()).toBe(true);
    expect(target.mode & 0o777).toBe(0o755);
    expect(readFileSync(join(workspace, 'dist', 'app.bin'))).toEqual(bytes);
  });

  it('refuses a directory on the way that is a symlink out of the workspace, creating nothing there', async () => {
    const elsewhere = join(dir, 'elsewhere');
    mkdirSync(elsewhere);
    symlinkSync(elsewhere, join(workspace, 'out'));
    const failure = await download(['out/new/app.bin']).catch((error: Error) => error);
    expect(readdirSync(elsewhere)).toEqual([]);
    expect(failure).toBeInstanceOf(ArtifactError);
    expect((failure as Error).message).toBe(
      `artifact out/new/app.bin would be written outside the workspace (through out, a symlink to ${elsewhere})`,
    );
  });
});
