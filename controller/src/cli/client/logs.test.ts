import { afterEach, describe, expect, it } from 'vitest';
import { runControllerCli } from '../index.js';
import type { RunDetail } from './api-types.js';
import { captureIo, type FakeApi, startFakeApi } from './fake-api.js';

function jobView(id: string, name: string) {
  return { id, name, status: 'failed', attempt: 2, exitCode: 1, startedAt: null, finishedAt: null } as const;
}

const run: RunDetail = {
  id: 'r1',
  status: 'failed',
  repo: '/srv/app',
  ref: 'main',
  sha: null,
  error: null,
  createdAt: '2024-05-01T12:00:00.000Z',
  startedAt: null,
  finishedAt: null,
  stages: [
    { name: 'build', status: 'failed', environment: null, jobs: [jobView('j1', 'compile'), jobView('j2', 'check')] },
    { name: 'verify', status: 'skipped', environment: null, jobs: [jobView('j3', 'check')] },
  ],
};

let api: FakeApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

async function logs(args: string[]) {
  api = await startFakeApi({
    'GET /api/runs/r1': { json: run },
    'GET /api/runs/r1/jobs/j1/log': { text: 'compiling\nerror TS2322' },
    'GET /api/runs/r1/jobs/j1/log?attempt=1': { text: 'first attempt\n' },
    'GET /api/runs/r1/jobs/j3/log': { text: 'verify check\n' },
  });
  const captured = captureIo({ GANTRY_URL: api.url, GANTRY_TOKEN: 't0ken' });
  const code = await runControllerCli(['logs', ...args], captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

describe('gantry logs', () => {
  it.each([
    [['r1', 'compile'], 'compiling\nerror TS2322\n'],
    [['r1', 'j1'], 'compiling\nerror TS2322\n'],
    [['r1', 'verify/check'], 'verify check\n'],
    [['r1', 'compile', '--attempt', '1'], 'first attempt\n'],
  ])('%j prints the job log', async (args, expected) => {
    const result = await logs(args);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(expected);
  });

  it('asks for STAGE/NAME when a name is used by several stages', async () => {
    const result = await logs(['r1', 'check']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'error: run r1 has several jobs named "check": build/check, verify/check; name one as STAGE/NAME\n',
    );
  });

  it('lists the jobs when none matches', async () => {
    const result = await logs(['r1', 'deploy']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'error: run r1 has no job "deploy" (its jobs: build/compile, build/check, verify/check)\n',
    );
  });

  it('prints the API error for an unknown run', async () => {
    const result = await logs(['r9', 'compile']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('error: no route GET /api/runs/r9 (HTTP 404)\n');
  });

  it('needs RUN_ID and JOB', async () => {
    const { io, stderr } = captureIo({ GANTRY_TOKEN: 't0ken' });
    expect(await runControllerCli(['logs', 'r1'], io)).toBe(2);
    expect(stderr()).toBe(
      'gantry: Not enough non-option arguments: got 1, need at least 2\nRun "gantry logs --help" for usage.\n',
    );
  });
});
