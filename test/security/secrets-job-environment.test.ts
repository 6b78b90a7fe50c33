/**
 * Jobs cannot reach the farm: a step's environment is built from an
 * allow-list, never the agent's (no token, database URL or cloud credential
 * of the agent or controller reaches it), and under `--run-as` a step runs as
 * an unprivileged user who cannot read the agent's token file, work dir
 * caches or the controller's data directory.
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Farm, farmLogs, startFarm } from '../e2e/farm-fixture.js';
import { type AgentProcess, createGitRepo, type RunView, startAgent } from '../src/harness/index.js';

const agentSecrets = {
  AWS_SECRET_ACCESS_KEY: 'aws-secret-of-the-agent-host',
  DATABASE_URL: 'postgres://agent:database-password@db.internal/gantry',
  GANTRY_ADMIN_TOKEN: 'admin-token-in-the-agent-environment',
  SOME_UNLISTED_VARIABLE: 'not-on-the-allow-list',
  LC_TIME: 'C.UTF-8',
};

async function runPipeline(farm: Farm, pipeline: string): Promise<{ run: RunView; log: string; sha: string }> {
  const repo = await createGitRepo({ '.gantry.yml': pipeline });
  const created = await farm.client.POST('/api/runs', { body: { repo: repo.path, ref: 'main' } });
  expect(created.response.status).toBe(201);
  const run = await farm.client.waitForRun(created.data!.id, (r) => r.status !== 'queued' && r.status !== 'running', {
    timeoutMs: 90_000,
  });
  expect(run.stages, run.error ?? '').toHaveLength(1);
  const job = run.stages[0]!.jobs[0]!;
  const log = await farm.client.readLog(run.id, job.id);
  await repo.remove();
  return { run, log, sha: repo.sha };
}

function variablesOf(log: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const line of log.split('\n')) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (match) found.set(match[1]!, match[2]!);
  }
  return found;
}

describe('the environment of a step', () => {
  let farm: Farm;
  beforeAll(async () => {
    farm = await startFarm({ agents: 1, slots: 1, agentEnv: agentSecrets });
  });
  afterAll(async () => {
    await farm?.stop();
  });

  it('holds the allow-listed variables and the job’s own, never the agent’s or the controller’s secrets', async () => {
    const { run, log } = await runPipeline(
      farm,
      'name: env\nenv: { FROM_PIPELINE: yes }\nstages:\n  - name: build\n    jobs:\n      - { name: print, steps: ["env"] }\n',
    );
    expect(run.status, farmLogs(farm)).toBe('succeeded');
    const variables = variablesOf(log);
    expect(variables.get('FROM_PIPELINE')).toBe('yes');
    expect(variables.get('PATH')).toBeTruthy();
    expect(variables.get('LC_TIME')).toBe('C.UTF-8');
    expect(variables.get('GANTRY_JOB_NAME')).toBe('print');
    expect(variables.get('TMPDIR')).toMatch(/\/tmp\//);
    for (const name of ['AWS_SECRET_ACCESS_KEY', 'DATABASE_URL', 'GANTRY_ADMIN_TOKEN', 'SOME_UNLISTED_VARIABLE']) {
      expect(variables.has(name), name).toBe(false);
    }
    expect(variables.has('GANTRY_AGENT_TOKEN')).toBe(false);
    for (const value of [...Object.values(agentSecrets).slice(0, 4), farm.agentToken, farm.adminToken]) {
      expect(log).not.toContain(value);
    }
  });
});

describe.skipIf(process.getuid?.() !== 0)('a step under --run-as nobody', () => {
  let farm: Farm;
  let agent: AgentProcess;
  let hostDir: string;
  let tokenFile: string;
  let workDir: string;
  beforeAll(async () => {
    farm = await startFarm({ agents: 0 });
    // The agent's own directory must let the steps' user pass through to its workspace, as `gantry up`'s does.
    hostDir = await mkdtemp(join(tmpdir(), 'gantry-run-as-'));
    await chmod(hostDir, 0o711);
    tokenFile = join(hostDir, 'agent-token');
    await writeFile(tokenFile, `${farm.agentToken}\n`, { mode: 0o600 });
    workDir = join(hostDir, 'work');
    await mkdir(workDir);
    agent = await startAgent({
      controller: farm.controller.grpcAddress,
      natsUrl: farm.nats.url,
      token: '',
      workDir,
      env: { GANTRY_AGENT_TOKEN: '', GANTRY_AGENT_TOKEN_FILE: tokenFile, GANTRY_AGENT_RUN_AS: 'nobody' },
    });
  });
  afterAll(async () => {
    await agent?.stop();
    await farm?.stop();
    if (hostDir) await rm(hostDir, { recursive: true, force: true });
  });

  it('runs as that user in a workspace it owns and is refused the agent’s token, caches and the data directory', async () => {
    const steps = [
      'echo "uid=$(id -u)"',
      'touch written-by-the-step && echo "workspace=writable"',
      'echo "head=$(git log -1 --format=%H)"',
      'echo x > "$TMPDIR/scratch" && echo "tmpdir=writable"',
      // Its output is a pipe of the agent's: open for writing, as in a terminal, not for reading.
      'echo "stderr=writable" > /dev/stderr',
      'head -c0 < /proc/self/fd/1 && echo "output=READ" || echo "output=refused"',
      `cat ${tokenFile} && echo "token=READ" || echo "token=refused"`,
      `ls ${workDir}/repos && echo "caches=READ" || echo "caches=refused"`,
      `ls ${workDir}/snapshots && echo "snapshots=READ" || echo "snapshots=refused"`,
      `ls ${farm.controllerDataDir} && echo "data=READ" || echo "data=refused"`,
      `cat ${join(farm.controllerDataDir, 'admin-token')} && echo "admin=READ" || echo "admin=refused"`,
    ];
    const pipeline = `name: probe\nstages:\n  - name: build\n    jobs:\n      - name: probe\n        steps: ${JSON.stringify(steps)}\n`;
    const { run, log, sha } = await runPipeline(farm, pipeline);
    expect(run.status, `${log}\n${agent.logs()}`).toBe('succeeded');
    const variables = variablesOf(log);
    expect(Object.fromEntries(variables)).toMatchObject({
      uid: '65534',
      head: sha,
      workspace: 'writable',
      tmpdir: 'writable',
      stderr: 'writable',
      output: 'refused',
      token: 'refused',
      caches: 'refused',
      snapshots: 'refused',
      data: 'refused',
      admin: 'refused',
    });
    expect(log).not.toContain(farm.agentToken);
    expect(log).toMatch(/Permission denied/);
  });

  it('hands every job of a commit a clean standalone workspace the user owns, the first and the next ones', async () => {
    const steps = [
      'echo "uid=$(id -u)"',
      'echo "owner=$(stat -c %U . .git/HEAD .git/objects | sort -u | tr "\n" " ")"',
      'echo "head=$(git log -1 --format=%H)"',
      'echo "alternates=$(test -e .git/objects/info/alternates && echo yes || echo no)"',
      'echo "dirty=$(git status --porcelain | wc -l)"',
    ];
    const pipeline = `name: probe\nstages:\n  - name: build\n    jobs:\n      - name: probe\n        steps: ${JSON.stringify(steps)}\n`;
    const repo = await createGitRepo({ '.gantry.yml': pipeline });
    try {
      // The first job gets a copy of the new snapshot; the next ones a spare made after it, or its workspace again.
      for (let round = 0; round < 3; round++) {
        const created = await farm.client.POST('/api/runs', { body: { repo: repo.path, ref: 'main' } });
        const run = await farm.client.waitForRun(
          created.data!.id,
          (r) => r.status !== 'queued' && r.status !== 'running',
        );
        const log = await farm.client.readLog(run.id, run.stages[0]!.jobs[0]!.id);
        expect(run.status, `${log}\n${agent.logs()}`).toBe('succeeded');
        expect(Object.fromEntries(variablesOf(log))).toMatchObject({
          uid: '65534',
          owner: 'nobody ',
          head: repo.sha,
          alternates: 'no',
          dirty: '0',
        });
      }
    } finally {
      await repo.remove();
    }
  });
});
