import { afterEach, describe, expect, it } from 'vitest';
import { runControllerCli } from '../index.js';
import { captureIo, type FakeApi, startFakeApi } from './fake-api.js';

let api: FakeApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

const production = {
  name: 'production',
  approvers: ['role:release', 'alice'],
  required: 2,
  branches: ['main'],
  updatedBy: 'admin',
  updatedAt: '2024-05-01T12:03:04.567Z',
};

describe('gantry environment', () => {
  it('protect sends the approvers, required and branches', async () => {
    api = await startFakeApi({ 'PUT /api/environments/production/protection': { status: 200, json: production } });
    const { io, stdout } = captureIo({ GANTRY_URL: api.url, GANTRY_TOKEN: 't0ken' });
    const args = ['environment', 'protect', 'production', '--approvers', 'role:release', 'alice'];
    args.push('--required', '2', '--branches', 'main');
    expect(await runControllerCli(args, io)).toBe(0);
    expect(stdout()).toBe('protected production: 2 of role:release, alice; from main\n');
    expect(JSON.parse(api.requests[0]?.body ?? '')).toEqual({
      approvers: ['role:release', 'alice'],
      required: 2,
      branches: ['main'],
    });
  });

  it('list prints a table', async () => {
    api = await startFakeApi({ 'GET /api/environments': { status: 200, json: { environments: [production] } } });
    const { io, stdout } = captureIo({ GANTRY_URL: api.url, GANTRY_TOKEN: 't0ken' });
    expect(await runControllerCli(['environment', 'list'], io)).toBe(0);
    const [header, row] = stdout().split('\n');
    expect(header).toMatch(/^NAME\s+APPROVERS\s+REQUIRED\s+BRANCHES\s+BY\s+UPDATED$/);
    expect(row).toMatch(/^production\s+role:release,alice\s+2\s+main\s+admin\s+/);
  });

  it('prints the refusal of a non-admin and exits 1', async () => {
    api = await startFakeApi({
      'PUT /api/environments/staging/protection': {
        status: 403,
        json: { error: { code: 'FORBIDDEN', message: 'this needs the "admin" role; bob has read' } },
      },
    });
    const { io, stderr } = captureIo({ GANTRY_URL: api.url, GANTRY_TOKEN: 't0ken' });
    expect(await runControllerCli(['environment', 'protect', 'staging', '--approvers', 'bob'], io)).toBe(1);
    expect(stderr()).toBe('error: this needs the "admin" role; bob has read (HTTP 403)\n');
  });
});
