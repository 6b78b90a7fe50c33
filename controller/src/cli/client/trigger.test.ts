import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runControllerCli } from '../index.js';
import { captureIo, type FakeApi, startFakeApi } from './fake-api.js';
import { resolveRepo } from './trigger.js';

const created = { status: 201, json: { id: 'r7', status: 'queued', url: '/runs/r7' } };

let api: FakeApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

describe('gantry trigger', () => {
  it('posts the run with an absolute repo path, the token and the idempotency key', async () => {
    api = await startFakeApi({ 'POST /api/runs': created });
    const { io, stdout } = captureIo({ GANTRY_URL: `${api.url}/`, GANTRY_TOKEN: 't0ken' });
    const code = await runControllerCli(
      ['trigger', '--repo', 'apps/web', '--sha', 'abc123', '--idempotency-key', 'push-42'],
      io,
      {
        cwd: '/home/dev',
      },
    );
    expect(code).toBe(0);
    expect(stdout()).toBe(`run r7 queued: ${api.url}/runs/r7\n`);
    const [request] = api.requests;
    expect(JSON.parse(request?.body ?? '')).toEqual({ repo: '/home/dev/apps/web', ref: 'main', sha: 'abc123' });
    expect(request?.headers.authorization).toBe('Bearer t0ken');
    expect(request?.headers['idempotency-key']).toBe('push-42');
    expect(request?.headers['content-type']).toBe('application/json');
  });

  it('lets --url and --token override the environment', async () => {
    api = await startFakeApi({ 'POST /api/runs': created });
    const { io } = captureIo({ GANTRY_URL: 'http://127.0.0.1:1', GANTRY_TOKEN: 'env-token' });
    const code = await runControllerCli(
      ['trigger', '--repo', '/srv/app', '--url', api.url, '--token', 'flag-token'],
      io,
    );
    expect(code).toBe(0);
    expect(api.requests[0]?.headers.authorization).toBe('Bearer flag-token');
    expect(api.requests[0]?.headers['idempotency-key']).toBeUndefined();
  });

  it('exits 2 with a pointer to the admin token when GANTRY_TOKEN is missing', async () => {
    const { io, stderr } = captureIo({ GANTRY_TOKEN: '' });
    expect(await runControllerCli(['trigger', '--repo', '.'], io)).toBe(2);
    expect(stderr()).toBe(
      'error: GANTRY_TOKEN is not set: use the token printed by "gantry up" (also in <data-dir>/admin-token)\n',
    );
  });

  it.each([
    [['--repo', '.', '--bogus'], 'Unknown argument: bogus'],
    [['--repo', '.', '--wait'], '--wait only makes sense with --follow'],
    [['--repo', '.', 'extra'], 'Unknown argument: extra'],
  ])('exits 2 with the usage on bad flags %j', async (args, message) => {
    const { io, stderr, stdout } = captureIo({ GANTRY_TOKEN: 't0ken' });
    expect(await runControllerCli(['trigger', ...args], io)).toBe(2);
    expect(stderr()).toContain(message);
    expect(stderr()).toMatch(/^(gantry|error): /);
    expect(stdout()).toBe('');
  });

  it('prints --help on stdout and exits 0', async () => {
    const { io, stdout } = captureIo({});
    expect(await runControllerCli(['trigger', '--help'], io)).toBe(0);
    expect(stdout()).toContain('gantry trigger');
    expect(stdout()).toContain('--idempotency-key');
  });

  it('prints the API error with its issues and exits 1', async () => {
    api = await startFakeApi({
      'POST /api/runs': {
        status: 422,
        json: {
          error: {
            code: 'invalid_request',
            message: 'the request is invalid',
            issues: [{ path: ['ref'], message: 'must not be empty' }, 'repo: not a git repository'],
          },
        },
      },
    });
    const { io, stderr } = captureIo({ GANTRY_URL: api.url, GANTRY_TOKEN: 't0ken' });
    expect(await runControllerCli(['trigger', '--repo', '/srv/app'], io)).toBe(1);
    expect(stderr()).toBe(
      'error: the request is invalid (HTTP 422)\n  - ref: must not be empty\n  - repo: not a git repository\n',
    );
  });

  it('explains an error answer that is not in the API format', async () => {
    api = await startFakeApi({ 'POST /api/runs': { status: 502, text: '<html>Bad gateway</html>' } });
    const { io, stderr } = captureIo({ GANTRY_URL: api.url, GANTRY_TOKEN: 't0ken' });
    expect(await runControllerCli(['trigger', '--repo', '/srv/app'], io)).toBe(1);
    expect(stderr()).toBe('error: POST /api/runs: Bad Gateway (HTTP 502)\n');
  });

  it('says the API cannot be reached when the connection is refused', async () => {
    api = await startFakeApi({});
    const url = api.url;
    await api.close();
    api = undefined;
    const { io, stderr } = captureIo({ GANTRY_URL: url, GANTRY_TOKEN: 't0ken' });
    expect(await runControllerCli(['trigger', '--repo', '/srv/app'], io)).toBe(3);
    expect(stderr()).toMatch(new RegExp(`^cannot reach the Gantry API at ${url}: .*ECONNREFUSED`));
  });

  it('gives up on a request that gets no answer', async () => {
    api = await startFakeApi({ 'POST /api/runs': { hang: true } });
    const { io, stderr } = captureIo({ GANTRY_URL: api.url, GANTRY_TOKEN: 't0ken' });
    expect(await runControllerCli(['trigger', '--repo', '/srv/app'], io, { requestTimeoutMs: 50 })).toBe(3);
    expect(stderr()).toBe(`cannot reach the Gantry API at ${api.url}: no answer to POST /api/runs within 50 ms\n`);
  });
});

describe('gantry trigger inside a working clone', () => {
  const git = (cwd: string, ...args: string[]) => execFileSync('git', ['-C', cwd, ...args], { encoding: 'utf8' });

  it("defaults --repo to the clone's origin and --ref to its current branch", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gantry-clone-'));
    git(dir, 'init', '--quiet', '--bare', 'app.git');
    git(dir, 'init', '--quiet', '--initial-branch', 'feature/login', 'work');
    git(join(dir, 'work'), 'remote', 'add', 'origin', '../app.git');
    api = await startFakeApi({ 'POST /api/runs': created });
    const { io } = captureIo({ GANTRY_URL: api.url, GANTRY_TOKEN: 't0ken' });
    expect(await runControllerCli(['trigger'], io, { cwd: join(dir, 'work') })).toBe(0);
    expect(JSON.parse(api.requests[0]?.body ?? '')).toEqual({ repo: join(dir, 'app.git'), ref: 'feature/login' });
  });

  it('exits 2 saying what is missing outside a clone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gantry-not-a-clone-'));
    const { io, stderr } = captureIo({ GANTRY_URL: 'http://127.0.0.1:1', GANTRY_TOKEN: 't0ken' });
    expect(await runControllerCli(['trigger'], io, { cwd: dir })).toBe(2);
    expect(stderr()).toBe(`error: no --repo given and ${dir} is not a git clone with an "origin" remote\n`);
  });
});

describe('resolveRepo', () => {
  it.each([
    ['.', '/home/dev/app'],
    ['../lib', '/home/dev/lib'],
    ['/srv/repo', '/srv/repo'],
    ['https://github.com/acme/app.git', 'https://github.com/acme/app.git'],
    ['ssh://git@host/app.git', 'ssh://git@host/app.git'],
    ['git@github.com:acme/app.git', 'git@github.com:acme/app.git'],
    ['file:///srv/repo', 'file:///srv/repo'],
  ])('%s → %s', (repo, expected) => {
    expect(resolveRepo(repo, '/home/dev/app')).toBe(expected);
  });
});
