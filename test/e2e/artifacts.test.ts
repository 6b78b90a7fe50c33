/**
 * Build once, promote the same bytes: with real agents against both artifact
 * stores (the controller's disk store and an S3 server on loopback), a build
 * job's multi-megabyte binary reaches a test job and a staging deploy in
 * later stages, each verifying the SHA-256 the build printed. A symlink out of
 * the workspace is refused by name; a stored object altered after the build
 * fails the job that needs it, naming the file and both digests.
 */

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitRepo, type RunView, type S3Server, startS3Server } from '../src/harness/index.js';
import { type Farm, farmLogs, startFarm } from './farm-fixture.js';
import { waitFor, waitLogArchived } from './wait.js';

const execFileAsync = promisify(execFile);
const gantryBin = fileURLToPath(new URL('../../bin/gantry.mjs', import.meta.url));
const sha256Of = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

const binaryBytes = 6 * 1024 * 1024 + 17;

const promotion = `name: promote
stages:
  - name: build
    jobs:
      - name: compile
        artifacts: [dist/**]
        steps:
          - mkdir -p dist && head -c ${binaryBytes} /dev/urandom > dist/app.bin && echo v1 > dist/VERSION
          - printf '#!/bin/sh\\necho the tool runs\\n' > dist/tool && chmod 0755 dist/tool
          - ln -s /etc/passwd dist/leak
          - sha256sum dist/app.bin
  - name: test
    jobs:
      - { name: unit, needs_artifacts: [compile], steps: ["sha256sum dist/app.bin", "cat dist/VERSION", "./dist/tool", "test ! -x dist/VERSION"] }
  - name: staging
    environment: staging
    jobs:
      - { name: deploy, needs_artifacts: [compile], steps: ["sha256sum dist/app.bin"] }
`;

const gatedConsumer = `name: gated
stages:
  - name: build
    jobs:
      - { name: compile, artifacts: [out/app.bin], steps: ["mkdir -p out && head -c 4096 /dev/urandom > out/app.bin"] }
  - name: production
    environment: production
    approval: { required: 1, allow_self_approval: true }
    jobs:
      - { name: deploy, needs_artifacts: [compile], steps: ["sha256sum out/app.bin"] }
`;

const jobOf = (run: RunView, stage: string, job: string) => {
  const found = run.stages.find((s) => s.name === stage)?.jobs.find((j) => j.name === job);
  if (!found) throw new Error(`no job ${stage}/${job} in run ${run.id}`);
  return found;
};

/** The agents' JSON log lines. */
const agentLines = (farm: Farm): Record<string, unknown>[] =>
  farm.agents.flatMap((agent) =>
    agent
      .logs()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>),
  );

const finished = (run: RunView) => !['queued', 'running'].includes(run.status);

describe.each(['disk', 's3'] as const)('artifacts through the %s store', (store) => {
  let farm: Farm;
  let s3: S3Server | undefined;
  beforeAll(async () => {
    s3 = store === 's3' ? await startS3Server() : undefined;
    farm = await startFarm({ agents: 2, slots: 2, controllerEnv: s3?.controllerEnv('gantry-artifacts') ?? {} });
  }, 120_000);
  afterAll(async () => {
    await farm?.stop();
    await s3?.stop();
  });

  async function runToEnd(pipeline: string, until = finished): Promise<RunView> {
    const repo = await createGitRepo({ '.gantry.yml': pipeline });
    const created = await farm.client.POST('/api/runs', { body: { repo: repo.path, ref: 'main' } });
    expect(created.response.status).toBe(201);
    return farm.client.waitForRun(created.data!.id, until, { timeoutMs: 120_000 });
  }

  it('hands the bytes the build made to the test and staging jobs, refusing a symlink out of the workspace', async () => {
    const run = await runToEnd(promotion);
    expect(run.status, farmLogs(farm)).toBe('succeeded');
    // The object routes write their answers themselves: the HTTP adapter must not try to answer again.
    expect(farm.controller.logs()).not.toContain('ERR_HTTP_HEADERS_SENT');

    const buildLog = await farm.client.readLog(run.id, jobOf(run, 'build', 'compile').id);
    const printed = /^([0-9a-f]{64}) {2}dist\/app\.bin$/m.exec(buildLog)?.[1];
    expect(printed, buildLog).toBeDefined();
    expect(buildLog).toContain(`artifact dist/app.bin: ${binaryBytes} bytes, sha256 ${printed}`);
    expect(buildLog).toContain('artifact dist/leak refused: symlink to /etc/passwd, outside the workspace');

    for (const [stage, job] of [
      ['test', 'unit'],
      ['staging', 'deploy'],
    ] as const) {
      const log = await farm.client.readLog(run.id, jobOf(run, stage, job).id);
      expect(log).toContain(`artifact dist/app.bin from compile: ${binaryBytes} bytes, sha256 ${printed} verified`);
      expect(log).toContain(`${printed}  dist/app.bin`);
      expect(log).not.toContain('dist/leak');
    }
    const unitLog = await farm.client.readLog(run.id, jobOf(run, 'test', 'unit').id);
    expect(unitLog).toMatch(/^v1$/m);
    // An executable file arrives executable; the others do not gain the bit.
    expect(unitLog).toMatch(/^the tool runs$/m);
    // Each agent logs the transfers it made, with their size and duration (the bench reads these).
    const transfers = agentLines(farm).filter((line) => String(line.msg).startsWith('artifacts '));
    const transferOf = (msg: string, stage: string, job: string) =>
      transfers.find((line) => line.msg === msg && line.jobId === jobOf(run, stage, job).id);
    expect(transferOf('artifacts uploaded', 'build', 'compile')).toMatchObject({
      files: 3,
      bytes: binaryBytes + 3 + 29,
    });
    for (const [stage, job] of [
      ['test', 'unit'],
      ['staging', 'deploy'],
    ] as const) {
      const line = transferOf('artifacts downloaded', stage, job);
      expect(line).toMatchObject({ files: 3, bytes: binaryBytes + 3 + 29 });
      expect(line?.durationMs).toBeGreaterThanOrEqual(0);
    }
    // Once the attempt ended its log left the database for the store; the API serves the same bytes.
    const compileId = jobOf(run, 'build', 'compile').id;
    await waitLogArchived(farm.databaseUrl, compileId);
    expect(await farm.client.readLog(run.id, compileId)).toBe(buildLog);

    // The API lists what the build kept; the CLI fetches it and checks every digest.
    const listed = await farm.client.GET('/api/runs/{id}/artifacts', { params: { path: { id: run.id } } });
    const tool = Buffer.from('#!/bin/sh\necho the tool runs\n');
    expect(listed.data?.artifacts.map((a) => [a.jobName, a.attempt, a.path, a.size, a.sha256, a.executable])).toEqual([
      ['compile', 1, 'dist/VERSION', 3, sha256Of(Buffer.from('v1\n')), false],
      ['compile', 1, 'dist/app.bin', binaryBytes, printed, false],
      ['compile', 1, 'dist/tool', tool.length, sha256Of(tool), true],
    ]);
    const unknown = await farm.client.GET('/api/runs/{id}/artifacts', { params: { path: { id: 'nope' } } });
    expect(unknown.response.status).toBe(404);
    const into = await mkdtemp(join(tmpdir(), 'gantry-download-'));
    const { stdout } = await execFileAsync(process.execPath, [gantryBin, 'artifacts', run.id, '--download', into], {
      env: { ...process.env, GANTRY_URL: farm.controller.httpUrl, GANTRY_TOKEN: farm.adminToken },
    });
    expect(stdout).toContain(`${join(into, 'dist', 'app.bin')}: ${binaryBytes} bytes, sha256 ${printed} verified`);
    expect(sha256Of(await readFile(join(into, 'dist', 'app.bin')))).toBe(printed);
    expect((await stat(join(into, 'dist', 'tool'))).mode & 0o111).not.toBe(0);
    expect((await stat(join(into, 'dist', 'VERSION'))).mode & 0o111).toBe(0);
    await rm(into, { recursive: true, force: true });

    // The bytes went through the S3 server, not the controller's disk.
    if (s3) expect(await readdir(join(s3.directory, 'gantry-artifacts', 'runs'))).toEqual([run.id]);
    else expect(await readdir(join(farm.controllerDataDir, 'artifacts', 'runs'))).toEqual([run.id]);
  }, 180_000);

  it.runIf(store === 'disk')(
    'fails the job whose needed artifact was altered in the store, naming both digests',
    async () => {
      const gated = await runToEnd(gatedConsumer, (run) => run.status === 'awaiting_approval');
      const compile = jobOf(gated, 'build', 'compile');
      const buildLog = await farm.client.readLog(gated.id, compile.id);
      const stored = /artifact out\/app\.bin: 4096 bytes, sha256 ([0-9a-f]{64})/.exec(buildLog)?.[1];
      expect(stored, buildLog).toBeDefined();
      const object = join(farm.controllerDataDir, 'artifacts', 'runs', gated.id, 'jobs', compile.id, 'attempts', '1');
      const altered = Buffer.alloc(4096, 1);
      await writeFile(join(object, 'out', 'app.bin'), altered);

      const approved = await farm.client.POST('/api/runs/{id}/stages/{stage}/approve', {
        params: { path: { id: gated.id, stage: 'production' } },
        body: { comment: 'ship it' },
      });
      expect(approved.response.status).toBe(200);
      const run = await farm.client.waitForRun(gated.id, finished, { timeoutMs: 60_000 });
      expect(run.status).toBe('failed');
      const deploy = jobOf(run, 'production', 'deploy');
      const alteredDigest = sha256Of(altered);
      expect(deploy.message).toBe(
        `artifact out/app.bin of job "compile" does not match: expected sha256 ${stored} (4096 bytes), got sha256 ${alteredDigest} (4096 bytes)`,
      );
      const deployLog = await farm.client.readLog(run.id, deploy.id);
      expect(deployLog).not.toContain('$ sha256sum');
    },
    180_000,
  );

  it.runIf(store === 'disk')(
    "gantry gc deletes an old run's artifacts but keeps the last staging deploy",
    async () => {
      const env = { ...process.env, GANTRY_URL: farm.controller.httpUrl, GANTRY_TOKEN: farm.adminToken };
      const gc = async (...flags: string[]) => {
        const { stdout } = await execFileAsync(
          process.execPath,
          [gantryBin, 'gc', '--older-than', '1s', '--json', ...flags],
          {
            env,
          },
        );
        return JSON.parse(stdout) as { dryRun: boolean; runs: number; artifacts: number };
      };
      const runs = (await farm.client.GET('/api/runs')).data!.runs;
      const failed = runs.find((run) => run.status === 'failed')!;
      const deployed = runs.find((run) => run.status === 'succeeded')!;
      // The failed gated run is collectable once it ended more than a second ago; the promoted run deployed to staging last.
      const dry = await waitFor('the failed run to be a second old', async () => {
        const report = await gc('--dry-run');
        return report.runs === 1 ? report : undefined;
      });
      expect(dry).toMatchObject({ dryRun: true, runs: 1, artifacts: 1 });
      expect(await gc()).toMatchObject({ dryRun: false, runs: 1, artifacts: 1 });
      const list = (id: string) => farm.client.GET('/api/runs/{id}/artifacts', { params: { path: { id } } });
      expect((await list(failed.id)).data?.artifacts).toEqual([]);
      expect((await list(deployed.id)).data?.artifacts).toHaveLength(3);
    },
    60_000,
  );
});
