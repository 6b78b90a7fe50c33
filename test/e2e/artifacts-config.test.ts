/**
 * A misconfigured artifact store stops the controller at start, naming the
 * variable, rather than at the first upload: a bad location, missing keys, or
 * a store that cannot be reached.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../src/harness/free-port.js';

const gantryBin = fileURLToPath(new URL('../../bin/gantry.mjs', import.meta.url));

/** Runs `gantry controller` with `env` until it exits (it must not start). */
function controllerExit(
  dataDir: string,
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [gantryBin, 'controller', '--data-dir', dataDir, '--http-port', '0', '--grpc-port', '0'],
      { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 },
      (_error, _stdout, stderr) => resolve({ code: child.exitCode, stderr }),
    );
  });
}

describe('a misconfigured artifact store', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gantry-store-config-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    [{ GANTRY_ARTIFACTS: 'minio://builds' }, 'GANTRY_ARTIFACTS="minio://builds": unsupported scheme "minio:"'],
    [
      { GANTRY_ARTIFACTS: 's3://builds', GANTRY_S3_SECRET_KEY: 's' },
      'GANTRY_S3_ACCESS_KEY: required when GANTRY_ARTIFACTS',
    ],
  ])('stops the controller before it starts: %j', async (env, message) => {
    const { code, stderr } = await controllerExit(join(dir, 'bad-location'), env);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });

  it('stops the controller when the S3 endpoint cannot be reached, naming the variable', async () => {
    const port = await findFreePort();
    const { code, stderr } = await controllerExit(join(dir, 'unreachable'), {
      GANTRY_ARTIFACTS: `s3://builds?endpoint=http://127.0.0.1:${port}`,
      GANTRY_S3_ACCESS_KEY: 'a',
      GANTRY_S3_SECRET_KEY: 's',
    });
    expect(code).not.toBe(0);
    expect(stderr).toContain(`GANTRY_ARTIFACTS: cannot use s3://builds at http://127.0.0.1:${port}: ECONNREFUSED`);
  }, 60_000);
});
