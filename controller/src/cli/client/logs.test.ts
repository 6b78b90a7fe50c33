import { afterEach, describe, expect, it } from 'vitest';
import { runControllerCli } from '../index.js';
import { captureIo, type FakeApi, startFakeApi } from './fake-api.js';
import { jobView, runDetail, stageView } from './view-fixtures.js';

const failedJob = (id: string, name: string) => jobView({ id, name, status: 'failed', attempt: 2, exitCode: 1 });

const run = runDetail({
  id: 'r1',
  status: 'failed',
  stages: [
    stageView({ name: 'build', status: 'failed', jobs: [failedJob('j1', 'compile'), failedJob('j2', 'check')] }),
    stageView({ name: 'verify', status: 'skipped', jobs: [failedJob('j3', 'check')] }),
  ],
});

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

  it('on a terminal, keeps colours and drops other control sequences from the job output', async () => {
    api = await startFakeApi({
      'GET /api/runs/r1': { json: run },
      'GET /api/runs/r1/jobs/j1/log': { text: '\x1b]0;owned\x07\x1b[31mred\x1b[0m\x1b[2J\n' },
    });
    const captured = captureIo({ GANTRY_URL: api.url, GANTRY_TOKEN: 't0ken' });
    captured.io.terminal = true;
    captured.io.color = true;
    expect(await runControllerCli(['logs', 'r1', 'compile'], captured.io)).toBe(0);
    expect(captured.stdout()).toBe('\x1b[31mred\x1b[0m\n');
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

  it('writes each part of the log as it arrives, before the answer has ended', async () => {
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    api = await startFakeApi({
      'GET /api/runs/r1': { json: run },
      'GET /api/runs/r1/jobs/j1/log?follow=1': {
        respond: (res) => {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.write('first part\n');
          void released.then(() => res.end('second part\n'));
        },
      },
    });
    const captured = captureIo({ GANTRY_URL: api.url, GANTRY_TOKEN: 't0ken' });
    const parts: string[] = [];
    captured.io.writeBytes = async (chunk) => {
      parts.push(Buffer.from(chunk).toString('utf8'));
      release();
    };
    // The job failed, so following it ends with exit code 1.
    expect(await runControllerCli(['logs', 'r1', 'compile', '--follow'], captured.io)).toBe(1);
    expect(parts).toEqual(['first part\n', 'second part\n']);
  });

  it('gives up when the log stops flowing for longer than the request timeout', async () => {
    api = await startFakeApi({
      'GET /api/runs/r1': { json: run },
      'GET /api/runs/r1/jobs/j1/log': {
        respond: (res) => {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.write('partial');
        },
      },
    });
    const captured = captureIo({ GANTRY_URL: api.url, GANTRY_TOKEN: 't0ken' });
    expect(await runControllerCli(['logs', 'r1', 'compile'], captured.io, { requestTimeoutMs: 200 })).toBe(1);
    expect(captured.stdout()).toBe('partial');
    expect(captured.stderr()).toBe(
      `cannot reach the Gantry API at ${api.url}: no data from GET /api/runs/r1/jobs/j1/log within 200 ms between two parts of the answer\n`,
    );
  });

  it('names a bad --attempt before asking the API', async () => {
    const { io, stderr } = captureIo({ GANTRY_TOKEN: 't0ken' });
    expect(await runControllerCli(['logs', 'r1', 'compile', '--attempt', '0'], io)).toBe(2);
    expect(stderr()).toBe('error: --attempt must be a positive integer, got "0"\n');
  });
});
