import { afterEach, describe, expect, it } from 'vitest';
import { runControllerCli } from '../index.js';
import { captureIo, type FakeApi, startFakeApi } from './fake-api.js';

let api: FakeApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

const alice = {
  name: 'alice',
  roles: ['approve', 'trigger'],
  email: 'alice@example.com',
  createdBy: 'admin',
  createdAt: '2024-05-01T12:03:04.567Z',
  lastUsedAt: null,
  expiresAt: '2024-07-30T12:03:04.567Z',
};
const secret = 'gantry_9f8e7d6c5b4a39281706f5e4d3c2b1a0zyxwvutsr';

describe('gantry token', () => {
  it('create sends the roles and prints the token alone on stdout', async () => {
    api = await startFakeApi({ 'POST /api/tokens': { status: 201, json: { token: secret, ...alice } } });
    const { io, stdout, stderr } = captureIo({ GANTRY_URL: api.url, GANTRY_TOKEN: 't0ken' });
    const args = ['token', 'create', '--name', 'alice', '--role', 'approve', '--role', 'trigger'];
    args.push('--email', 'alice@example.com', '--expires-in', '90d');
    expect(await runControllerCli(args, io)).toBe(0);
    expect(stdout()).toBe(`${secret}\n`);
    expect(stderr()).toBe('token for alice (approve, trigger); it is not shown again\n');
    expect(JSON.parse(api.requests[0]?.body ?? '')).toEqual({
      name: 'alice',
      roles: ['approve', 'trigger'],
      email: 'alice@example.com',
      expiresIn: '90d',
    });
    expect(api.requests[0]?.headers.authorization).toBe('Bearer t0ken');
  });

  it('create --json prints the record with the token', async () => {
    api = await startFakeApi({ 'POST /api/tokens': { status: 201, json: { token: secret, ...alice } } });
    const { io, stdout } = captureIo({ GANTRY_URL: api.url, GANTRY_TOKEN: 't0ken' });
    expect(await runControllerCli(['token', 'create', '--name', 'alice', '--role', 'read', '--json'], io)).toBe(0);
    expect(JSON.parse(stdout())).toEqual({ token: secret, ...alice });
    expect(JSON.parse(api.requests[0]?.body ?? '')).toEqual({ name: 'alice', roles: ['read'] });
  });

  it('create prints the refusal of a taken name and exits 1', async () => {
    api = await startFakeApi({
      'POST /api/tokens': {
        status: 409,
        json: { error: { code: 'CONFLICT', message: 'a token named "alice" already exists' } },
      },
    });
    const { io, stdout, stderr } = captureIo({ GANTRY_URL: api.url, GANTRY_TOKEN: 't0ken' });
    expect(await runControllerCli(['token', 'create', '--name', 'alice', '--role', 'read'], io)).toBe(1);
    expect(stdout()).toBe('');
    expect(stderr()).toBe('error: a token named "alice" already exists (HTTP 409)\n');
  });

  it.each([[['create', '--name', 'alice']], [['create', '--role', 'read']], [['revoke']], [[]]])(
    'exits 2 with the usage on token %j',
    async (args) => {
      const { io, stderr } = captureIo({ GANTRY_TOKEN: 't0ken' });
      expect(await runControllerCli(['token', ...args], io)).toBe(2);
      expect(stderr()).toContain('Run "gantry token --help" for usage.');
    },
  );

  it('list prints a table, and --json the list', async () => {
    const bob = { ...alice, name: 'bob', roles: ['read'], email: null, lastUsedAt: alice.createdAt, expiresAt: null };
    api = await startFakeApi({ 'GET /api/tokens': { json: { tokens: [alice, bob] } } });
    const { io, stdout } = captureIo({ GANTRY_URL: api.url, GANTRY_TOKEN: 't0ken' });
    expect(await runControllerCli(['token', 'list'], io)).toBe(0);
    expect(stdout()).toBe(
      [
        'NAME   ROLES            EMAIL              CREATED               LAST USED             EXPIRES',
        'alice  approve,trigger  alice@example.com  2024-05-01 12:03:04Z  -                     2024-07-30 12:03:04Z',
        'bob    read             -                  2024-05-01 12:03:04Z  2024-05-01 12:03:04Z  never',
        '',
      ].join('\n'),
    );
    const json = captureIo({ GANTRY_URL: api.url, GANTRY_TOKEN: 't0ken' });
    expect(await runControllerCli(['token', 'list', '--json'], json.io)).toBe(0);
    expect(JSON.parse(json.stdout())).toEqual({ tokens: [alice, bob] });
  });

  it('revoke deletes the named token', async () => {
    api = await startFakeApi({ 'DELETE /api/tokens/ops.bot': { json: { name: 'ops.bot', revoked: true } } });
    const { io, stdout } = captureIo({ GANTRY_URL: api.url, GANTRY_TOKEN: 't0ken' });
    expect(await runControllerCli(['token', 'revoke', 'ops.bot'], io)).toBe(0);
    expect(stdout()).toBe('revoked token ops.bot\n');
    expect(api.requests.map((request) => request.method)).toEqual(['DELETE']);
  });

  it('revoke of an unknown name exits 1 with the API message', async () => {
    api = await startFakeApi({});
    const { io, stderr } = captureIo({ GANTRY_URL: api.url, GANTRY_TOKEN: 't0ken' });
    expect(await runControllerCli(['token', 'revoke', 'nobody'], io)).toBe(1);
    expect(stderr()).toBe('error: no route DELETE /api/tokens/nobody (HTTP 404)\n');
  });
});

describe('gantry whoami', () => {
  it('prints the name, e-mail and roles of the token in use', async () => {
    api = await startFakeApi({ 'GET /api/me': { json: { name: 'alice', roles: ['approve'], email: 'a@x.org' } } });
    const { io, stdout } = captureIo({ GANTRY_URL: api.url, GANTRY_TOKEN: 't0ken' });
    expect(await runControllerCli(['whoami'], io)).toBe(0);
    expect(stdout()).toBe('alice <a@x.org>\nroles: approve\n');
    const json = captureIo({ GANTRY_URL: api.url, GANTRY_TOKEN: 't0ken' });
    expect(await runControllerCli(['whoami', '--json'], json.io)).toBe(0);
    expect(JSON.parse(json.stdout())).toEqual({ name: 'alice', roles: ['approve'], email: 'a@x.org' });
  });

  it('says why a token is refused', async () => {
    api = await startFakeApi({
      'GET /api/me': { status: 401, json: { error: { code: 'UNAUTHENTICATED', message: 'token "bob" expired at x' } } },
    });
    const { io, stderr } = captureIo({ GANTRY_URL: api.url, GANTRY_TOKEN: 't0ken' });
    expect(await runControllerCli(['whoami'], io)).toBe(1);
    expect(stderr()).toBe('error: token "bob" expired at x (HTTP 401)\n');
  });
});
