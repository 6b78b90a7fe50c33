import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ArtifactFile } from '@gantry/proto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ControllerClient } from '../controller-client.js';
import { type CollectedFile, collectArtifacts } from './collect-artifacts.js';
import { identityOf } from './file-identity.js';
import { isTransientTransferError, uploadFile } from './object-transfer.js';
import { uploadArtifacts } from './upload-artifacts.js';

const lease = { jobId: 'j', attempt: 1, leaseToken: 't' };

/** More than an upload's read-ahead buffers hold at once, and not a whole number of them. */
const BIG = 5 * 1024 * 1024 + 12_345;

/** A store that keeps what is PUT to it by URL path, with a few paths that misbehave. */
let dir: string;
let server: Server;
let base: string;
const received = new Map<string, Buffer>();
beforeAll(async () => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'gantry-upload-')));
  server = createServer((request, response) => {
    if (request.url === '/hang-up') {
      // Takes a little of the body, then drops the connection without an answer.
      request.once('data', () => request.socket.destroy());
      return;
    }
    const parts: Buffer[] = [];
    request.on('data', (part: Buffer) => parts.push(part));
    request.on('end', () => {
      if (request.url === '/denied') {
        response.writeHead(403).end('<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>');
        return;
      }
      if (request.url === '/busy' && !received.has('busy')) {
        received.set('busy', Buffer.alloc(0));
        response.writeHead(503).end('<Error><Message>slow down</Message></Error>');
        return;
      }
      received.set(request.url ?? '', Buffer.concat(parts));
      response.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('uploadArtifacts', () => {
  function controller(urlOf: (path: string) => string) {
    const commits: ArtifactFile[][] = [];
    const client = {
      createArtifactUploads: async (_lease: unknown, paths: string[]) =>
        paths.map((path) => ({ path, url: urlOf(path) })),
      commitArtifacts: async (_lease: unknown, files: ArtifactFile[]) => {
        commits.push(files);
        return { committed: files.length, reportNotes: [] };
      },
    } as unknown as ControllerClient;
    return { client, commits };
  }

  it('uploads each file, retrying a busy store, and commits their digests', async () => {
    const bytes = Buffer.from('x'.repeat(100_000));
    writeFileSync(join(dir, 'app.bin'), bytes);
    const { client, commits } = controller(() => `${base}/busy`);
    const lines: string[] = [];
    const file = {
      path: 'dist/app.bin',
      absolutePath: join(dir, 'app.bin'),
      identity: identityOf(statSync(join(dir, 'app.bin'), { bigint: true })),
      size: bytes.length,
      executable: true,
    };
    await uploadArtifacts({
      controller: client,
      lease,
      files: [file],
      maxBytes: 1e9,
      print: (line) => lines.push(line),
    });
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    expect(received.get('/busy')).toEqual(bytes);
    expect(commits).toEqual([[{ path: 'dist/app.bin', size: bytes.length, sha256, executable: true }]]);
    expect(lines).toEqual([`artifact dist/app.bin: ${bytes.length} bytes, sha256 ${sha256}`]);
  });

  it('fails over GANTRY_ARTIFACT_MAX_BYTES before uploading or committing anything', async () => {
    const { client, commits } = controller((path) => `${base}/${path}`);
    // Never opened: the limit refuses them first.
    const files = [
      { path: 'a', absolutePath: join(dir, 'app.bin'), identity: { dev: 0n, ino: 0n }, size: 600, executable: false },
      { path: 'b', absolutePath: join(dir, 'app.bin'), identity: { dev: 0n, ino: 0n }, size: 600, executable: false },
    ];
    await expect(
      uploadArtifacts({ controller: client, lease, files, maxBytes: 1000, print: () => {} }),
    ).rejects.toThrow('artifacts are 1200 bytes in 2 files, over the limit of 1000 bytes (GANTRY_ARTIFACT_MAX_BYTES)');
    expect(commits).toEqual([]);
  });

  it("fails with the store's message on a permanent refusal", async () => {
    const { client, commits } = controller(() => `${base}/denied`);
    writeFileSync(join(dir, 'small'), 'x');
    const files = [
      {
        path: 'small',
        absolutePath: join(dir, 'small'),
        identity: identityOf(statSync(join(dir, 'small'), { bigint: true })),
        size: 1,
        executable: false,
      },
    ];
    await expect(uploadArtifacts({ controller: client, lease, files, maxBytes: 10, print: () => {} })).rejects.toThrow(
      'cannot upload artifact small: store answered 403: Access Denied',
    );
    expect(commits).toEqual([]);
  });

  describe('a file replaced after it was collected (by a process the job left running)', () => {
    let workspace: string;
    let files: CollectedFile[];
    beforeEach(async () => {
      workspace = mkdtempSync(join(dir, 'swapped-'));
      mkdirSync(join(workspace, 'dist'));
      writeFileSync(join(workspace, 'dist', 'report.txt'), 'harmless');
      writeFileSync(join(dir, 'report.txt'), 'SECRET!!');
      ({ files } = await collectArtifacts(workspace, ['dist/*.txt']));
      expect(files.map((file) => file.path)).toEqual(['dist/report.txt']);
    });
    const upload = async () => {
      const { client, commits } = controller((path) => `${base}/swapped/${path}`);
      await expect(
        uploadArtifacts({ controller: client, lease, files, maxBytes: 1000, print: () => {} }),
      ).rejects.toThrow(
        `cannot upload artifact dist/report.txt: ${join(workspace, 'dist', 'report.txt')} is no longer the file collected`,
      );
      expect(received.has('/swapped/dist/report.txt')).toBe(false);
      expect(commits).toEqual([]);
    };

    it('is refused when it became a symlink leading out of the workspace', async () => {
      unlinkSync(join(workspace, 'dist', 'report.txt'));
      symlinkSync(join(dir, 'report.txt'), join(workspace, 'dist', 'report.txt'));
      await upload();
    });

    it('is refused when its directory became a symlink leading out', async () => {
      renameSync(join(workspace, 'dist'), join(workspace, 'dist-before'));
      symlinkSync(dir, join(workspace, 'dist'));
      await upload();
    });

    it('is refused, without waiting, when it became a named pipe', async () => {
      unlinkSync(join(workspace, 'dist', 'report.txt'));
      execFileSync('mkfifo', [join(workspace, 'dist', 'report.txt')]);
      await upload();
    });
  });
});

describe('uploadFile', () => {
  it('sends the file byte for byte and digests what it sent', async () => {
    const bytes = randomBytes(BIG);
    const path = join(dir, 'big.bin');
    writeFileSync(path, bytes);
    const digest = await uploadFile(`${base}/big`, path, BIG);
    expect(received.get('/big')?.equals(bytes)).toBe(true);
    expect(digest).toEqual({ size: BIG, sha256: createHash('sha256').update(bytes).digest('hex') });
  });

  it('sends an empty file', async () => {
    const path = join(dir, 'empty');
    writeFileSync(path, '');
    const digest = await uploadFile(`${base}/empty`, path, 0);
    expect(received.get('/empty')?.length).toBe(0);
    expect(digest.sha256).toBe(createHash('sha256').digest('hex'));
  });

  it('refuses a file that grew after it was measured', async () => {
    const path = join(dir, 'grown.bin');
    writeFileSync(path, randomBytes(1000));
    appendFileSync(path, 'more');
    await expect(uploadFile(`${base}/grown`, path, 1000)).rejects.toThrow(
      'file changed while it was uploaded (1000 bytes became 1004)',
    );
  });

  it('refuses a file that shrank after it was measured', async () => {
    const path = join(dir, 'shrunk.bin');
    writeFileSync(path, randomBytes(900));
    await expect(uploadFile(`${base}/shrunk`, path, 1000)).rejects.toThrow('1000 bytes became 900');
  });

  it('fails as a retryable error, and does not wait forever, when the store drops the connection', async () => {
    const path = join(dir, 'dropped.bin');
    writeFileSync(path, randomBytes(BIG));
    const failure = await uploadFile(`${base}/hang-up`, path, BIG).catch((error: unknown) => error);
    // ECONNRESET or EPIPE, depending on when the socket notices: either is retried.
    expect(isTransientTransferError(failure)).toBe(true);
  });
});
