import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { captureIo, type FakeApi, startFakeApi } from './client/fake-api.js';
import { colorWanted } from './client/io.js';
import { gantryVersion, runControllerCli } from './index.js';

let api: FakeApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

async function gantry(args: string[], env: Record<string, string | undefined> = {}, color = false) {
  const captured = captureIo(env);
  captured.io.color = color;
  const code = await runControllerCli(args, captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

const run = {
  id: 'r1',
  status: 'failed',
  repo: '/srv/app',
  ref: 'main',
  sha: null,
  createdAt: '2024-05-01T12:00:00.000Z',
  finishedAt: null,
};

const agent = {
  id: 'a1',
  name: 'builder-1',
  hostname: 'host',
  queues: ['default', 'linux'],
  slots: 2,
  version: '0.1.0',
  connected: true,
  draining: false,
  registeredAt: '2024-05-01T12:00:00.000Z',
  lastSeenAt: '2024-05-01T12:03:04.000Z',
};

describe('gantry (help, version, completion, errors)', () => {
  it('lists every command in the generated help', async () => {
    const result = await gantry(['--help']);
    expect(result.code).toBe(0);
    for (const command of [
      'up',
      'controller',
      'agent',
      'trigger',
      'approve',
      'reject',
      'cancel',
      'retry',
      'runs',
      'logs',
      'agents',
      'drain',
      'completion',
    ]) {
      expect(result.stdout).toMatch(new RegExp(`gantry ${command}\\b`));
    }
  });

  it.each([['trigger'], ['logs'], ['runs'], ['agents'], ['drain'], ['up'], ['controller']])(
    'prints help for %s on stdout and exits 0',
    async (command) => {
      const result = await gantry([command, '--help']);
      expect(result).toMatchObject({ code: 0, stderr: '' });
      expect(result.stdout).toContain(`gantry ${command}`);
    },
  );

  it('refuses to start a controller on PostgreSQL without shared tokens, naming the variables', async () => {
    const result = await gantry(['controller'], { DATABASE_URL: 'postgres://db.invalid/gantry' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('GANTRY_ADMIN_TOKEN: required with DATABASE_URL');
    expect(result.stderr).toContain('GANTRY_AGENT_TOKEN: required with DATABASE_URL');
  });

  it('shows every controller variable in `gantry controller --help`', async () => {
    const { stdout } = await gantry(['controller', '--help']);
    for (const text of ['--http-port', '--database-url', 'GANTRY_REPUBLISH_AFTER_MS', 'GANTRY_ADMIN_TOKEN_FILE']) {
      expect(stdout).toContain(text);
    }
  });

  it('prints the package version', async () => {
    const result = await gantry(['--version']);
    expect(result).toEqual({ code: 0, stdout: `${gantryVersion()}\n`, stderr: '' });
    expect(gantryVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('prints a completion script that asks gantry for completions', async () => {
    const result = await gantry(['completion']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('gantry --get-yargs-completions');
  });

  it('completes command names', async () => {
    const result = await gantry(['--get-yargs-completions', 'gantry', 'dr']);
    expect(result.stdout.split('\n')).toContain('drain');
  });

  it.each([
    [['runz'], 'gantry: Did you mean runs?\nRun "gantry --help" for usage.\n'],
    [['runs', '--bogus'], 'gantry: Unknown argument: bogus\nRun "gantry runs --help" for usage.\n'],
    [['runs', '--bogus-flag'], 'gantry: Unknown argument: bogus-flag\nRun "gantry runs --help" for usage.\n'],
    [
      ['logs', 'r1', 'j1', '--attempt'],
      'gantry: Not enough arguments following: attempt\nRun "gantry logs --help" for usage.\n',
    ],
    [[], 'gantry: name a command\nRun "gantry --help" for usage.\n'],
  ])('%j is a usage error: exit 2 and a clear message', async (args, message) => {
    const result = await gantry(args, { GANTRY_TOKEN: 't0ken' });
    expect(result).toEqual({ code: 2, stdout: '', stderr: message });
  });
});

describe('gantry runs / agents / drain', () => {
  it('prints runs as one JSON document with --json', async () => {
    // A controller older than paging answers no `next`: the document says there is no next page.
    api = await startFakeApi({ 'GET /api/runs': { json: { runs: [run] } } });
    const result = await gantry(['runs', '--json'], { GANTRY_URL: api.url, GANTRY_TOKEN: 't0ken' });
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ runs: [run], next: null });
  });

  it('colours statuses only when asked to', async () => {
    api = await startFakeApi({ 'GET /api/runs': { json: { runs: [run] } } });
    const env = { GANTRY_URL: api.url, GANTRY_TOKEN: 't0ken' };
    expect((await gantry(['runs'], env, true)).stdout).toContain('\u001b[31mfailed\u001b[39m');
    expect((await gantry(['runs'], env, false)).stdout).not.toContain('\u001b[');
  });

  it.each([
    [{}, true, true],
    [{ NO_COLOR: '1' }, true, false],
    [{ NO_COLOR: '' }, true, true],
    [{}, false, false],
  ])('colour with env %j on a terminal=%s: %s', (env, tty, expected) => {
    expect(colorWanted(env, tty)).toBe(expected);
  });

  it('lists agents as a table and as JSON', async () => {
    api = await startFakeApi({ 'GET /api/agents': { json: { agents: [agent] } } });
    const env = { GANTRY_URL: api.url, GANTRY_TOKEN: 't0ken' };
    expect((await gantry(['agents'], env)).stdout).toBe(
      [
        'ID  NAME       STATE      QUEUES         SLOTS  LAST SEEN',
        'a1  builder-1  connected  default,linux  2      2024-05-01 12:03:04Z',
        '',
      ].join('\n'),
    );
    expect(JSON.parse((await gantry(['agents', '--json'], env)).stdout)).toEqual({ agents: [agent] });
  });

  it('drains an agent', async () => {
    api = await startFakeApi({ 'POST /api/agents/a%201/drain': { status: 202, json: { id: 'a 1', draining: true } } });
    const result = await gantry(['drain', 'a 1'], { GANTRY_URL: api.url, GANTRY_TOKEN: 't0ken' });
    expect(result).toEqual({ code: 0, stdout: 'draining agent a 1\n', stderr: '' });
  });
});

describe('gantry client token', () => {
  it('reads GANTRY_TOKEN_FILE and --token-file without the trailing newline', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'gantry-token-')), 'token');
    writeFileSync(file, 'from-file\n');
    api = await startFakeApi({ 'GET /api/runs': { json: { runs: [] } } });
    expect((await gantry(['runs'], { GANTRY_URL: api.url, GANTRY_TOKEN_FILE: file })).code).toBe(0);
    expect((await gantry(['runs', '--token-file', file], { GANTRY_URL: api.url })).code).toBe(0);
    expect(api.requests.map((request) => request.headers.authorization)).toEqual([
      'Bearer from-file',
      'Bearer from-file',
    ]);
  });

  it('names an unreadable token file', async () => {
    const result = await gantry(['runs'], { GANTRY_TOKEN_FILE: '/nonexistent/token' });
    expect(result).toMatchObject({
      code: 2,
      stderr: 'error: GANTRY_TOKEN_FILE: cannot read "/nonexistent/token": ENOENT\n',
    });
  });

  it('warns that --token is visible in ps', async () => {
    api = await startFakeApi({ 'GET /api/runs': { json: { runs: [] } } });
    const result = await gantry(['runs', '--token', 'in-ps'], { GANTRY_URL: api.url });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('warning: --token is visible to every user of this machine (ps)');
  });
});
