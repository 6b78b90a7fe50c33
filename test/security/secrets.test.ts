/**
 * Job secrets end to end, as an attacker reading the farm would look for
 * them: a job prints its secret raw, split across two writes, base64-encoded
 * (standard, url-safe, with a newline) and a multi-line secret whole and line
 * by line — the log the API serves holds none of it. The plaintext is nowhere
 * in a dump of the database, the API (list, audit, error answers) or the
 * processes' own logs; a job naming a secret that is not set fails naming it.
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Farm, farmLogs, startFarm } from '../e2e/farm-fixture.js';
import { createGitRepo, dumpDatabase, type GitRepo, type RunView } from '../src/harness/index.js';

const gantryBin = fileURLToPath(new URL('../../bin/gantry.mjs', import.meta.url));

const deployToken = `dt-${randomBytes(12).toString('hex')}`;
const keyLines = [randomBytes(18).toString('base64'), randomBytes(18).toString('base64')];
const multiLine = ['-----BEGIN TEST KEY-----', ...keyLines, '-----END TEST KEY-----'].join('\n');

/** Every form of the secrets a leak could take. */
const leaks: Record<string, string> = {
  raw: deployToken,
  base64: Buffer.from(deployToken).toString('base64'),
  base64url: Buffer.from(deployToken).toString('base64url'),
  'base64 of the value and a newline': Buffer.from(`${deployToken}\n`).toString('base64').slice(0, 36),
  'the first line of the key': keyLines[0]!,
  'the second line of the key': keyLines[1]!,
};

const printingSteps = [
  'echo "raw: $DEPLOY_TOKEN"',
  // Two writes with a pause between them: the value reaches the agent in two pieces.
  `printf 'split: %s' "\${DEPLOY_TOKEN:0:11}"; sleep 0.2; printf '%s\\n' "\${DEPLOY_TOKEN:11}"`,
  `printf '%s' "$DEPLOY_TOKEN" | base64 -w0; echo`,
  `printf '%s' "$DEPLOY_TOKEN" | base64 -w0 | tr '+/' '-_' | tr -d '='; echo`,
  'echo "$DEPLOY_TOKEN" | base64',
  'echo "$SIGNING_KEY"',
  'echo "$SIGNING_KEY" | sed -n 3p',
  `printf '%s' "$DEPLOY_TOKEN" | sha256sum`,
];

const printingPipeline = `name: leaky
stages:
  - name: build
    jobs:
      - name: print
        secrets: [DEPLOY_TOKEN, SIGNING_KEY]
        steps:
${printingSteps.map((step) => `          - ${JSON.stringify(step)}`).join('\n')}
`;

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function expectNoLeak(text: string, where: string): void {
  for (const [form, value] of Object.entries(leaks)) {
    expect(text.includes(value), `${where} holds the secret (${form})`).toBe(false);
    expect(text.includes(Buffer.from(value).toString('hex')), `${where} holds the secret in hex (${form})`).toBe(false);
  }
}

describe('job secrets', () => {
  let farm: Farm;
  let repo: GitRepo;
  let run: RunView;
  let log: string;
  beforeAll(async () => {
    farm = await startFarm({
      agents: 1,
      slots: 2,
      controllerEnv: { GANTRY_SECRET_KEY: randomBytes(32).toString('base64'), GANTRY_LOG_LEVEL: 'debug' },
      agentEnv: { GANTRY_LOG_LEVEL: 'debug' },
    });
    repo = await createGitRepo({ '.gantry.yml': printingPipeline });
  });
  afterAll(async () => {
    await farm?.stop();
    await repo?.remove();
  });

  it('sets a secret from standard input with gantry secret set, never from the command line', () => {
    const env = { ...process.env, GANTRY_URL: farm.controller.httpUrl, GANTRY_TOKEN: farm.adminToken };
    const set = spawnSync(process.execPath, [gantryBin, 'secret', 'set', 'DEPLOY_TOKEN'], {
      input: `${deployToken}\n`,
      env,
      encoding: 'utf8',
    });
    expect(set.status, set.stderr).toBe(0);
    expect(set.stdout).toBe('secret DEPLOY_TOKEN set for every repository\n');
    const scoped = spawnSync(process.execPath, [gantryBin, 'secret', 'set', 'SIGNING_KEY', '--repo', repo.path], {
      input: multiLine,
      env,
      encoding: 'utf8',
    });
    expect(scoped.status, scoped.stderr).toBe(0);
    const list = spawnSync(process.execPath, [gantryBin, 'secret', 'list', '--json'], { env, encoding: 'utf8' });
    expect(list.status, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([
      expect.objectContaining({ name: 'DEPLOY_TOKEN', repo: '', updatedBy: 'admin' }),
      expect.objectContaining({ name: 'SIGNING_KEY', repo: repo.path }),
    ]);
    expectNoLeak(list.stdout, 'gantry secret list');
  });

  it('hands the secrets to the job and masks every form of them in its log', async () => {
    const created = await farm.client.POST('/api/runs', { body: { repo: repo.path, ref: 'main' } });
    expect(created.response.status).toBe(201);
    run = await farm.client.waitForRun(created.data!.id, (r) => r.status !== 'queued' && r.status !== 'running', {
      timeoutMs: 90_000,
    });
    expect(run.status, `${run.error}\n${farmLogs(farm)}`).toBe('succeeded');
    log = await farm.client.readLog(run.id, run.stages[0]!.jobs[0]!.id);
    // The job really had the value: it printed its digest.
    expect(log).toContain(sha256(deployToken));
    expect(log).toContain('raw: ***\n');
    expect(log).toContain('split: ***\n');
    expect(log).toContain('$ echo "$SIGNING_KEY"\n***\n$ ');
    expectNoLeak(log, 'the job log');
  });

  it('fails a job naming a secret that is not set, naming it and nothing else', async () => {
    const missing = await createGitRepo({
      '.gantry.yml':
        'name: m\nstages:\n  - name: b\n    jobs:\n      - { name: j, secrets: [DEPLOY_TOKEN, NOT_SET_ANYWHERE], steps: ["true"] }\n',
    });
    try {
      const created = await farm.client.POST('/api/runs', { body: { repo: missing.path, ref: 'main' } });
      const failed = await farm.client.waitForRun(created.data!.id, (r) => r.status === 'failed', {
        timeoutMs: 90_000,
      });
      const job = failed.stages[0]!.jobs[0]!;
      expect(job.message).toMatch(/secret "NOT_SET_ANYWHERE" is not set/);
      // The repository-scoped key of another repository is not granted here.
      expect(job.message).not.toMatch(/DEPLOY_TOKEN/);
      expectNoLeak(JSON.stringify(failed), 'the failed run');
      expectNoLeak(await farm.client.readLog(failed.id, job.id), 'the failed job log');
    } finally {
      await missing.remove();
    }
  });

  it('never answers a value: list, audit and refused requests', async () => {
    const list = await farm.client.GET('/api/secrets');
    expect(list.response.status).toBe(200);
    expectNoLeak(JSON.stringify(list.data), 'GET /api/secrets');
    const audit = await farm.client.GET('/api/audit');
    const actions = (audit.data?.events ?? []).filter((event) => event.action === 'secret.set');
    expect(actions.map((event) => event.details)).toEqual(
      expect.arrayContaining([
        { name: 'DEPLOY_TOKEN', repo: '' },
        { name: 'SIGNING_KEY', repo: repo.path },
      ]),
    );
    expectNoLeak(JSON.stringify(audit.data), 'GET /api/audit');
    const refused = [
      await farm.client.PUT('/api/secrets/{name}', {
        params: { path: { name: '1BAD' } },
        body: { value: deployToken },
      }),
      await farm.client.PUT('/api/secrets/{name}', {
        params: { path: { name: 'GOOD' } },
        body: { value: deployToken, extra: deployToken } as never,
      }),
    ];
    for (const answer of refused) {
      expect(answer.response.status).toBe(400);
      expectNoLeak(JSON.stringify(answer.error), 'an error answer');
    }
    const reader = await farm.client.POST('/api/tokens', { body: { name: 'reader', roles: ['read'] } });
    const asReader = await fetch(`${farm.controller.httpUrl}/api/secrets`, {
      headers: { authorization: `Bearer ${reader.data!.token}` },
    });
    expect(asReader.status).toBe(403);
  });

  it('leaves no plaintext in a dump of the database nor in what the processes logged', async () => {
    const dump = await dumpDatabase(farm.databaseUrl);
    expect(dump).toContain('COPY public.secrets');
    expectNoLeak(dump, 'the database dump');
    expectNoLeak(farmLogs(farm), "the controller's and agent's logs");
    const health = await fetch(`${farm.controller.httpUrl}/healthz`);
    expect(health.status).toBe(200);
  });
});
