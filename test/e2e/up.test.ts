/**
 * The README's first command: `gantry up` (what `npm run up` runs) on a fresh
 * data directory with its embedded defaults (PGlite, a nats-server of its
 * own, two agents), driven the way the README's walkthrough drives it, then
 * stopped by Ctrl-C: SIGINT to its whole process group, as a terminal sends
 * it, so nats-server and the agents get it too; first while the farm is
 * still starting, then once it is up.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Child, startChild } from '@gantry/common';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CapturedOutput } from '../src/harness/captured-output.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const gantryBin = join(root, 'bin/gantry.mjs');
const initWebapp = join(root, 'examples/webapp/init-repo.sh');

/** This process's environment without anything that would point `gantry up` at other services. */
function cleanEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value === undefined || name.startsWith('GANTRY_') || name.startsWith('DATABASE_URL')) continue;
    env[name] = value;
  }
  return env;
}

function run(file: string, args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(file, args, { env: { ...cleanEnvironment(), ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

/**
 * The example app as its own repository (the README's `examples/webapp/init-repo.sh`), deploying
 * under `deployments` rather than the machine-wide default in /tmp.
 */
async function webappRepository(path: string, deployments: string): Promise<string> {
  const created = await run(initWebapp, [path]);
  expect(created.code, created.stderr).toBe(0);
  const pipelineFile = join(path, '.gantry.yml');
  const pipeline = await readFile(pipelineFile, 'utf8');
  expect(pipeline).toContain('env:\n  NODE_ENV: test\n');
  await writeFile(pipelineFile, pipeline.replace('env:\n', `env:\n  WEBAPP_DEPLOY_ROOT: ${deployments}\n`));
  const commit = await run('git', ['-C', path, 'commit', '-qam', 'deploy under the test directory'], {
    GIT_AUTHOR_NAME: 'Gantry Test',
    GIT_AUTHOR_EMAIL: 'test@gantry.invalid',
    GIT_COMMITTER_NAME: 'Gantry Test',
    GIT_COMMITTER_EMAIL: 'test@gantry.invalid',
  });
  expect(commit.code, commit.stderr).toBe(0);
  return path;
}

const gantry = (args: string[], env: Record<string, string>) => run(process.execPath, [gantryBin, ...args], env);

interface Up {
  child: Child;
  output: CapturedOutput;
  /** Ctrl-C: SIGINT to the process group. */
  interrupt(): void;
}

/** `gantry up` in a process group of its own, on free ports, keeping its state in `dataDir`. */
function startUp(dataDir: string): Up {
  const child = startChild(process.execPath, [gantryBin, 'up', '--nats-port', '0'], {
    env: { ...cleanEnvironment(), GANTRY_DATA_DIR: dataDir, GANTRY_HTTP_PORT: '0', GANTRY_GRPC_PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
    processGroup: true,
  });
  const output = new CapturedOutput();
  output.capture(child.process.stdout);
  output.capture(child.process.stderr);
  return { child, output, interrupt: () => process.kill(-child.pid, 'SIGINT') };
}

/** Pids of live processes whose command line names `dir` (nats-server's store, the agents' work directories). */
async function processesUsing(dir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const commandLine = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (commandLine.includes(dir)) pids.push(Number(entry));
  }
  return pids;
}

/** Resolves with the exit once `up` has exited; a process still there after the harness's limit fails the test. */
async function exitOf(up: Up): Promise<string | undefined> {
  await vi.waitFor(() => expect(up.child.exitReason()).toBeDefined(), { timeout: 60_000, interval: 50 });
  return up.child.exitReason();
}

describe('gantry up', () => {
  let dir: string;
  const started: Up[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gantry-up-'));
  });
  afterEach(async () => {
    for (const up of started.splice(0)) await up.child.kill9();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stops cleanly on a Ctrl-C during its first start; started again, runs the README walkthrough and stops on Ctrl-C', async () => {
    const dataDir = join(dir, 'data');
    // Run as root, `gantry up` runs steps as an unprivileged user, which must reach the data directory
    // and the directory the example deploys to.
    await chmod(dir, 0o711);
    const deployments = join(dir, 'deployments');
    await mkdir(deployments, { mode: 0o1777 });
    await chmod(deployments, 0o1777);

    // An impatient first start: creating the embedded database takes seconds, so the signal comes while
    // the controller starts (and kills the child creating it, in the same process group).
    const first = startUp(dataDir);
    started.push(first);
    await vi.waitFor(
      () => expect(first.output.text()).toContain('creating it, which takes several seconds the first time'),
      {
        timeout: 60_000,
        interval: 20,
      },
    );
    first.interrupt();
    expect(await exitOf(first), first.output.text()).toBe('code 0');
    expect(first.output.text()).toMatch(/stopped\.\n$/);
    expect(await processesUsing(dataDir)).toEqual([]);

    const up = startUp(dataDir);
    started.push(up);
    const ready = await vi.waitFor(
      () => {
        const text = up.output.text();
        expect(up.child.exitReason(), text).toBeUndefined();
        const url = /^Gantry is up: (\S+)$/m.exec(text)?.[1];
        const token = /^ {2}API token +(\S+)/m.exec(text)?.[1];
        expect(text).toContain('Press Ctrl-C to stop.');
        return { url: url as string, token: token as string };
      },
      { timeout: 120_000, interval: 100 },
    );
    // As root, steps run as an unprivileged user the host has.
    if (process.getuid?.() === 0) expect(up.output.text()).toMatch(/steps run as (gantry-job|nobody)\n/);
    // The token is saved where the README reads it from.
    expect((await readFile(join(dataDir, 'admin-token'), 'utf8')).trim()).toBe(ready.token);
    const admin = { GANTRY_URL: ready.url, GANTRY_TOKEN: ready.token };

    const repo = await webappRepository(join(dir, 'webapp'), deployments);
    const trigger = await gantry(['trigger', '--repo', repo, '--ref', 'main', '--follow'], admin);
    expect(trigger.code, `${trigger.stdout}\n${trigger.stderr}`).toBe(2);
    const runId = /^run (\S+) queued/m.exec(trigger.stdout)?.[1] as string;
    expect(trigger.stdout).toContain(
      `waiting for approval of stage "production": gantry approve ${runId} --stage production`,
    );
    expect(trigger.stdout).toMatch(/staging\/deploy +succeeded/);

    const selfApproval = await gantry(['approve', runId, '--stage', 'production'], admin);
    expect(selfApproval.code).not.toBe(0);
    const alice = await gantry(['token', 'create', '--name', 'alice', '--role', 'approve'], admin);
    expect(alice.code, alice.stderr).toBe(0);
    const approval = await gantry(['approve', runId, '--stage', 'production', '--comment', 'ship it'], {
      ...admin,
      GANTRY_TOKEN: alice.stdout.trim(),
    });
    expect(approval.code, approval.stderr).toBe(0);

    const deploy = await gantry(['logs', runId, 'production/deploy', '--follow'], admin);
    expect(deploy.code, `${deploy.stdout}\n${deploy.stderr}`).toBe(0);
    expect(deploy.stdout).toMatch(/artifact dist\/greet\.mjs from compile: \d+ bytes, sha256 [0-9a-f]{64} verified/);
    await vi.waitFor(
      async () => {
        const runs = await gantry(['runs', '--json'], admin);
        const listed = (JSON.parse(runs.stdout) as { runs: { id: string; status: string }[] }).runs;
        expect(listed.find((listedRun) => listedRun.id === runId)?.status).toBe('succeeded');
      },
      { timeout: 30_000, interval: 200 },
    );

    const deployed = join(deployments, 'production', 'greet.mjs');
    expect(await readFile(deployed, 'utf8')).toContain('export');
    // As root, by that user.
    if (process.getuid?.() === 0) expect((await stat(deployed)).uid).not.toBe(0);
    expect(await processesUsing(dataDir)).not.toEqual([]);
    up.interrupt();
    expect(await exitOf(up), up.output.text()).toBe('code 0');
    expect(up.output.text()).toContain('stopped.');
    expect(await processesUsing(dataDir)).toEqual([]);
  });
});
