import { afterEach, describe, expect, it } from 'vitest';
import { runControllerCli } from '../index.js';
import { captureIo, type FakeApi, startFakeApi } from './fake-api.js';

let api: FakeApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

describe('gantry approve / reject', () => {
  it('posts the comment and prints the stage status from the answer', async () => {
    api = await startFakeApi({
      'POST /api/runs/r1/stages/deploy%20eu/approve': {
        json: { id: 'r1', status: 'running', stages: [{ name: 'deploy eu', status: 'running', jobs: [] }] },
      },
    });
    const { io, stdout } = captureIo({ GANTRY_URL: api.url, GANTRY_TOKEN: 't0ken' });
    expect(await runControllerCli(['approve', 'r1', '--stage', 'deploy eu', '--comment', 'ship it'], io)).toBe(0);
    expect(stdout()).toBe('approved stage "deploy eu" of run r1 (stage is now running)\n');
    expect(JSON.parse(api.requests[0]?.body ?? '')).toEqual({ comment: 'ship it' });
  });

  it('prints the refusal of the API and exits 1', async () => {
    api = await startFakeApi({
      'POST /api/runs/r1/stages/deploy/approve': {
        status: 403,
        json: { error: { code: 'forbidden', message: 'the person who triggered the run cannot approve it' } },
      },
    });
    const { io, stderr } = captureIo({ GANTRY_URL: api.url, GANTRY_TOKEN: 't0ken' });
    expect(await runControllerCli(['approve', 'r1', '--stage', 'deploy'], io)).toBe(1);
    expect(stderr()).toBe('error: the person who triggered the run cannot approve it (HTTP 403)\n');
  });

  it('rejects through the reject route', async () => {
    api = await startFakeApi({ 'POST /api/runs/r1/stages/deploy/reject': { json: {} } });
    const { io, stdout } = captureIo({ GANTRY_URL: api.url, GANTRY_TOKEN: 't0ken' });
    expect(await runControllerCli(['reject', 'r1', '--stage', 'deploy'], io)).toBe(0);
    expect(stdout()).toBe('rejected stage "deploy" of run r1\n');
    expect(JSON.parse(api.requests[0]?.body ?? '')).toEqual({});
  });

  it.each([[['--stage', 'deploy']], [['r1']], [['r1', 'r2', '--stage', 'deploy']]])(
    'exits 2 with the usage on %j',
    async (args) => {
      const { io, stderr } = captureIo({ GANTRY_TOKEN: 't0ken' });
      expect(await runControllerCli(['approve', ...args], io)).toBe(2);
      expect(stderr()).toContain('Run "gantry approve --help" for usage.');
    },
  );
});
