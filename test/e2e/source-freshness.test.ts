/**
 * A run builds the commit its ref points at when it is triggered: a
 * repository served as a URL is fetched on every trigger, and a given sha must
 * be on the given ref. Real controller, agent, nats-server, PostgreSQL, git.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TriggerRequest } from '@gantry/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnGantry } from '../src/harness/gantry-process.js';
import { createGitRepo, type GitRepo, type RunView } from '../src/harness/index.js';
import { type Farm, farmLogs, startFarm } from './farm-fixture.js';

const execFileAsync = promisify(execFile);
const git = async (cwd: string, ...args: string[]) =>
  (await execFileAsync('git', args, { cwd, env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } })).stdout.trim();

const pipeline = `name: freshness
stages:
  - name: build
    jobs:
      - name: show
        steps:
          - echo "building $(git rev-parse HEAD)"
          - echo "version $(cat version.txt)"
`;

describe('a run builds the commit its ref points at when it is triggered', () => {
  let farm: Farm;
  let work: GitRepo;
  let dir: string;
  let origin: string;
  let url: string;

  /** Commits `version` in the working repository and pushes `branch` to the origin. */
  const push = async (version: string, branch = 'main') => {
    const sha = await work.commit({ 'version.txt': `${version}\n` }, `version ${version}`);
    await git(work.path, 'push', '--quiet', origin, `HEAD:refs/heads/${branch}`);
    return sha;
  };

  const runCount = async () =>
    (await farm.client.GET('/api/runs', { params: { query: { limit: 500 } } })).data!.runs.length;

  const finished = (id: string) =>
    farm.client.waitForRun(id, (run) => !['queued', 'running'].includes(run.status), { timeoutMs: 60_000 });

  const logOf = async (run: RunView) => {
    const job = run.stages[0]?.jobs[0];
    if (!job) throw new Error(`run ${run.id} has no job`);
    return farm.client.readLog(run.id, job.id);
  };

  /** The trigger's answer: `status`, and `body` (the run or the error). */
  const trigger = async (body: TriggerRequest, idempotencyKey?: string) => {
    const header = idempotencyKey ? { 'idempotency-key': idempotencyKey } : {};
    const { data, error, response } = await farm.client.POST('/api/runs', { body, params: { header } });
    return { status: response.status, run: data, error: error?.error };
  };

  beforeAll(async () => {
    farm = await startFarm({ agents: 1, slots: 2 });
    dir = await mkdtemp(join(tmpdir(), 'gantry-freshness-'));
    work = await createGitRepo({ '.gantry.yml': pipeline, 'version.txt': 'A\n' });
    origin = join(dir, 'origin.git');
    await git(dir, 'clone', '--quiet', '--bare', work.path, origin);
    url = `file://${origin}`;
  });

  afterAll(async () => {
    await farm?.stop();
    await work?.remove();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('builds the new head of main after a push, not the commit it saw first', async () => {
    const shaA = work.sha;
    const first = await trigger({ repo: url, ref: 'main' });
    expect(first.status, JSON.stringify(first.error)).toBe(201);
    const runA = await finished(first.run!.id);
    expect(runA.status, farmLogs(farm)).toBe('succeeded');
    expect(runA.sha).toBe(shaA);
    expect(await logOf(runA)).toContain(`building ${shaA}`);

    const shaB = await push('B');
    expect(shaB).not.toBe(shaA);
    const second = await trigger({ repo: url, ref: 'main' });
    expect(second.status, JSON.stringify(second.error)).toBe(201);
    const runB = await finished(second.run!.id);
    expect(runB.status, farmLogs(farm)).toBe('succeeded');
    expect(runB.sha).toBe(shaB);
    const log = await logOf(runB);
    expect(log).toContain(`building ${shaB}`);
    expect(log).toContain('version B');
  });

  it('refuses a sha that is on another branch with 422 naming both, and creates no run', async () => {
    await git(work.path, 'checkout', '--quiet', '-b', 'side');
    const side = await push('side', 'side');
    await git(work.path, 'checkout', '--quiet', 'main');
    const before = await runCount();

    const refused = await trigger({ repo: url, ref: 'main', sha: side });
    expect(refused.status).toBe(422);
    const body = refused.error;
    expect(body?.code).toBe('SHA_NOT_ON_REF');
    expect(body?.message).toContain(`commit ${side} is not on ref "main" of repository "${url}"`);
    expect(await runCount()).toBe(before);

    // The same sha is fine on the branch that has it.
    const accepted = await trigger({ repo: url, ref: 'side', sha: side });
    expect(accepted.status).toBe(201);
  });

  it('refuses a dangling commit with 422 naming both, and creates no run', async () => {
    const dangling = await git(work.path, 'commit-tree', '-p', 'HEAD', '-m', 'dangling', 'HEAD^{tree}');
    const before = await runCount();
    const refused = await trigger({ repo: work.path, ref: 'main', sha: dangling });
    expect(refused.status).toBe(422);
    const body = refused.error;
    expect(body?.code).toBe('SHA_NOT_ON_REF');
    expect(body?.message).toContain(`commit ${dangling} is not on ref "main" of repository "${work.path}"`);
    expect(await runCount()).toBe(before);
  });

  it('accepts an ancestor on main, records its full sha and builds it', async () => {
    const [oldest] = (await git(work.path, 'rev-list', '--reverse', 'main')).split('\n');
    if (!oldest) throw new Error('main has no commits');
    const created = await trigger({ repo: url, ref: 'main', sha: oldest.slice(0, 10) });
    expect(created.status).toBe(201);
    const run = await finished(created.run!.id);
    expect(run.status, farmLogs(farm)).toBe('succeeded');
    expect(run.sha).toBe(oldest);
    expect(run.ref).toBe('main');
    expect(await logOf(run)).toContain('version A');
  });

  it('answers 422 naming an unknown ref, and gantry trigger prints why', async () => {
    const refused = await trigger({ repo: url, ref: 'no-such-branch' });
    expect(refused.status).toBe(422);
    expect(refused.error?.message).toContain('ref "no-such-branch" not found');

    const cli = spawnGantry(['trigger', '--repo', url, '--ref', 'no-such-branch'], {
      GANTRY_URL: farm.controller.httpUrl,
      GANTRY_TOKEN: farm.adminToken,
    });
    await cli.exited;
    expect(cli.exitReason()).toBe('code 1');
    expect(cli.output.text()).toContain(`ref "no-such-branch" not found in repository "${url}" (HTTP 422)`);
  });

  it('answers a retrigger with a used Idempotency-Key from the database, without fetching', async () => {
    const key = `freshness-${Date.now()}`;
    const created = await trigger({ repo: url, ref: 'main' }, key);
    expect(created.status).toBe(201);
    const id = created.run!.id;
    expect((await finished(id)).status, farmLogs(farm)).toBe('succeeded');

    // With the origin gone, any fetch would fail.
    await rename(origin, `${origin}.away`);
    try {
      const again = await trigger({ repo: url, ref: 'main' }, key);
      expect(again.status).toBe(200);
      expect(again.run?.id).toBe(id);

      const fresh = await trigger({ repo: url, ref: 'main' });
      expect(fresh.status).toBe(422);
      const body = fresh.error;
      expect(body?.code).toBe('REPOSITORY_UNREADABLE');
      expect(body?.message).toContain(`cannot read repository "${url}"`);
    } finally {
      await rename(`${origin}.away`, origin);
    }
  });
});
