/**
 * `gantry trigger --follow` off a terminal, on a real farm: plain progress
 * lines and the exit codes scripts rely on (0 succeeded, 1 failed,
 * 2 waiting for approval, 3 farm unreachable), with `--repo`/`--ref` taken
 * from the working clone.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../src/harness/free-port.js';
import { createGitRepo } from '../src/harness/index.js';
import { type Farm, startFarm } from './farm-fixture.js';

const gantryBin = fileURLToPath(new URL('../../bin/gantry.mjs', import.meta.url));

function gantry(args: string[], env: Record<string, string>, cwd?: string) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      process.execPath,
      [gantryBin, ...args],
      { env: { ...process.env, ...env }, cwd },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

const pipeline = (lastStep: string, gated: boolean) => `name: follow
stages:
  - name: build
    jobs: [{ name: compile, steps: ["${lastStep}"] }]
${gated ? '  - name: production\n    approval: true\n    jobs: [{ name: deploy, steps: ["echo ship"] }]\n' : ''}`;

describe('gantry trigger --follow exit codes', () => {
  let farm: Farm;
  let env: Record<string, string>;
  beforeAll(async () => {
    farm = await startFarm({ agents: 1, slots: 2 });
    env = { GANTRY_URL: farm.controller.httpUrl, GANTRY_TOKEN: farm.adminToken };
  });
  afterAll(async () => {
    await farm?.stop();
  });

  it('exits 0 when the run succeeds, printing plain progress lines', async () => {
    const repo = await createGitRepo({ '.gantry.yml': pipeline('echo ok', false) });
    const result = await gantry(['trigger', '--repo', repo.path, '--follow'], env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/build\/compile +succeeded/);
    expect(result.stdout).not.toContain('\x1b[');
    expect(result.stdout).toMatch(/run \S+ succeeded\n$/);
  });

  it('exits 1 when the run fails, ending with the failed job log tail', async () => {
    const repo = await createGitRepo({ '.gantry.yml': pipeline('echo broken build; exit 4', false) });
    const result = await gantry(['trigger', '--repo', repo.path, '--follow'], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('build/compile failed, attempt 1: last 20 log lines');
    expect(result.stdout).toContain('broken build');
  });

  it('exits 2 at the gate, printing how to approve, from inside a working clone', async () => {
    const origin = await createGitRepo({ '.gantry.yml': pipeline('echo ok', true) }, { branch: 'release' });
    const clone = await createGitRepo({ 'README.md': 'work' }, { branch: 'release' });
    await new Promise((resolve, reject) =>
      execFile('git', ['-C', clone.path, 'remote', 'add', 'origin', origin.path], (error) =>
        error ? reject(error) : resolve(undefined),
      ),
    );
    const result = await gantry(['trigger', '--follow'], env, clone.path);
    expect(result.code, result.stderr).toBe(2);
    const runId = /^run (\S+) queued/.exec(result.stdout)?.[1];
    expect(result.stdout).toContain(
      `waiting for approval of stage "production": gantry approve ${runId} --stage production`,
    );
    const run = await farm.client.GET('/api/runs/{id}', { params: { path: { id: runId! } } });
    expect(run.data).toMatchObject({ repo: origin.path, ref: 'release', status: 'awaiting_approval' });
  });

  it('exits 3 when the farm cannot be reached', async () => {
    const port = await findFreePort();
    const repo = await createGitRepo({ '.gantry.yml': pipeline('echo ok', false) });
    const result = await gantry(['trigger', '--repo', repo.path, '--follow'], {
      ...env,
      GANTRY_URL: `http://127.0.0.1:${port}`,
    });
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`cannot reach the Gantry API at http://127.0.0.1:${port}`);
  });
});
