import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runControllerCli } from '../index.js';
import { captureIo, type FakeApi, startFakeApi } from './fake-api.js';

let api: FakeApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

const runs = [
  {
    id: 'r2',
    status: 'running',
    repo: '/srv/app',
    ref: 'main',
    sha: '0123456789abcdef',
    createdAt: '2024-05-01T12:03:04.567Z',
    finishedAt: null,
  },
  {
    id: 'r1',
    status: 'failed',
    repo: 'https://github.com/acme/app.git',
    ref: 'release/1.2',
    sha: null,
    createdAt: '2024-04-30T08:00:00.000Z',
    finishedAt: '2024-04-30T08:01:00.000Z',
  },
];

describe('gantry runs', () => {
  it('prints the runs as an aligned table with short SHAs and UTC times', async () => {
    api = await startFakeApi({ 'GET /api/runs?limit=5': { json: { runs } } });
    const { io, stdout } = captureIo({ GANTRY_URL: api.url, GANTRY_TOKEN: 't0ken' });
    expect(await runControllerCli(['runs', '--limit', '5'], io)).toBe(0);
    expect(stdout()).toBe(
      [
        'ID  STATUS   REPO                             REF          SHA      CREATED',
        'r2  running  /srv/app                         main         0123456  2024-05-01 12:03:04Z',
        'r1  failed   https://github.com/acme/app.git  release/1.2  -        2024-04-30 08:00:00Z',
        '',
      ].join('\n'),
    );
  });

  it('says so when there are no runs', async () => {
    api = await startFakeApi({ 'GET /api/runs': { json: { runs: [] } } });
    const { io, stdout } = captureIo({ GANTRY_URL: api.url, GANTRY_TOKEN: 't0ken' });
    expect(await runControllerCli(['runs'], io)).toBe(0);
    expect(stdout()).toBe('no runs yet\n');
  });

  it.each([['0'], ['-3'], ['ten']])('rejects --limit %s with the usage, exit 2', async (limit) => {
    const { io, stderr } = captureIo({ GANTRY_TOKEN: 't0ken' });
    expect(await runControllerCli(['runs', `--limit=${limit}`], io)).toBe(2);
    expect(stderr()).toContain(`--limit must be a positive integer, got "${limit}"`);
  });

  it('prints an authentication error and exits 1', async () => {
    api = await startFakeApi({
      'GET /api/runs': { status: 401, json: { error: { code: 'unauthenticated', message: 'invalid token' } } },
    });
    const { io, stderr } = captureIo({ GANTRY_URL: api.url, GANTRY_TOKEN: 'wrong' });
    expect(await runControllerCli(['runs'], io)).toBe(1);
    expect(stderr()).toBe('error: invalid token (HTTP 401)\n');
  });

  it('says how to get the next page when older runs exist, and asks for it with --before', async () => {
    api = await startFakeApi({
      'GET /api/runs?limit=1': { json: { runs: [runs[0]], next: 'r2' } },
      'GET /api/runs?limit=1&before=r2': { json: { runs: [runs[1]], next: null } },
    });
    const first = captureIo({ GANTRY_URL: api.url, GANTRY_TOKEN: 't0ken' });
    expect(await runControllerCli(['runs', '--limit', '1'], first.io)).toBe(0);
    expect(first.stdout()).toContain('r2  running');
    expect(first.stderr()).toBe('older runs: gantry runs --limit 1 --before r2\n');

    const second = captureIo({ GANTRY_URL: api.url, GANTRY_TOKEN: 't0ken' });
    expect(await runControllerCli(['runs', '--limit', '1', '--before', 'r2', '--json'], second.io)).toBe(0);
    expect(JSON.parse(second.stdout())).toEqual({ runs: [runs[1]], next: null });
    expect(second.stderr()).toBe('');
  });

  it('repeats --url and --token-file in the next page, never --token', async () => {
    api = await startFakeApi({ 'GET /api/runs?limit=1': { json: { runs: [runs[0]], next: 'r2' } } });
    const dir = await mkdtemp(join(tmpdir(), 'gantry-runs-'));
    const tokenFile = join(dir, 'my token');
    await writeFile(tokenFile, 't0ken\n');
    const withFile = captureIo({});
    const flags = ['--limit', '1', '--url', api.url, '--token-file', tokenFile];
    expect(await runControllerCli(['runs', ...flags], withFile.io)).toBe(0);
    expect(withFile.stderr()).toBe(
      `older runs: gantry runs --limit 1 --url ${api.url} --token-file '${tokenFile}' --before r2\n`,
    );

    const withToken = captureIo({});
    expect(await runControllerCli(['runs', '--limit', '1', '--url', api.url, '--token', 't0ken'], withToken.io)).toBe(
      0,
    );
    expect(withToken.stderr()).toContain(`older runs: gantry runs --limit 1 --url ${api.url} --before r2\n`);
    expect(withToken.stderr()).not.toContain('t0ken');
    await rm(dir, { recursive: true });
  });

  it('refuses to take the newest runs of a controller older than paging for older ones', async () => {
    api = await startFakeApi({ 'GET /api/runs?before=r2': { json: { runs } } });
    const { io, stdout, stderr } = captureIo({ GANTRY_URL: api.url, GANTRY_TOKEN: 't0ken' });
    expect(await runControllerCli(['runs', '--before', 'r2'], io)).toBe(1);
    expect(stdout()).toBe('');
    expect(stderr()).toBe('error: this controller does not page runs (upgrade it to use --before)\n');
  });

  it('says when no run is older than --before', async () => {
    api = await startFakeApi({ 'GET /api/runs?before=r1': { json: { runs: [], next: null } } });
    const { io, stdout } = captureIo({ GANTRY_URL: api.url, GANTRY_TOKEN: 't0ken' });
    expect(await runControllerCli(['runs', '--before', 'r1'], io)).toBe(0);
    expect(stdout()).toBe('no runs older than r1\n');
  });
});
