/**
 * Environments on a real farm: two releases reach production (each released
 * by an approver), then `gantry deploy --environment production --run <first>`
 * rolls back: the first run's production stage waits at its gate again,
 * another approver releases it (not the one who asked for it), and the
 * environments API and `gantry environments` show the first commit and its
 * artifact digests live again, the history naming the rollback, who asked
 * for it and who approved it. Before the rollback is approved, the API says
 * what it would change: the commit it takes out and the artifact whose
 * digest goes back.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitRepo, type GitRepo, type RunView } from '../src/harness/index.js';
import { type Farm, farmLogs, startFarm } from './farm-fixture.js';

const gantryBin = fileURLToPath(new URL('../../bin/gantry.mjs', import.meta.url));

const pipeline = `name: release
stages:
  - name: build
    jobs:
      - { name: compile, artifacts: [dist/app.txt], steps: ["mkdir -p dist && cat VERSION > dist/app.txt"] }
  - name: staging
    environment: staging
    jobs:
      - { name: deploy, needs_artifacts: [compile], steps: ["cat dist/app.txt"] }
  - name: production
    environment: production
    approval: { required: 1 }
    jobs:
      - { name: deploy, needs_artifacts: [compile], steps: ["cat dist/app.txt"] }
`;

function gantry(args: string[], env: Record<string, string>) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [gantryBin, ...args], { env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('environments, deployments and rollback', () => {
  let farm: Farm;
  let repo: GitRepo;
  const tokens: Record<string, string> = {};
  const as = (name: string) => ({ GANTRY_URL: farm.controller.httpUrl, GANTRY_TOKEN: tokens[name] ?? '' });

  beforeAll(async () => {
    farm = await startFarm({ agents: 1, slots: 2 });
    for (const [name, roles] of [
      ['alice', ['read', 'approve']],
      ['bob', ['read', 'approve']],
      ['rita', ['read', 'trigger', 'approve']],
    ] as const) {
      const made = await farm.client.POST('/api/tokens', { body: { name, roles: [...roles] } });
      tokens[name] = made.data?.token ?? '';
    }
    repo = await createGitRepo({ '.gantry.yml': pipeline, VERSION: 'v1\n' });
  }, 120_000);
  afterAll(async () => {
    await farm?.stop();
    await repo?.remove();
  });

  const until = (status: string) => (run: RunView) =>
    run.status === status || ['failed', 'canceled', 'rejected'].includes(run.status);

  async function release(approver: string): Promise<RunView> {
    const created = await farm.client.POST('/api/runs', { body: { repo: repo.path, ref: 'main' } });
    const runId = created.data?.id ?? '';
    await farm.client.waitForRun(runId, until('awaiting_approval'), { timeoutMs: 120_000 });
    const approved = await gantry(['approve', runId, '--stage', 'production'], as(approver));
    expect(approved.code, approved.stderr).toBe(0);
    const run = await farm.client.waitForRun(runId, until('succeeded'), { timeoutMs: 120_000 });
    expect(run.status, farmLogs(farm)).toBe('succeeded');
    return run;
  }

  const digestOf = async (runId: string) => {
    const { data } = await farm.client.GET('/api/runs/{id}/artifacts', { params: { path: { id: runId } } });
    return data?.artifacts.find((artifact) => artifact.path === 'dist/app.txt')?.sha256;
  };
  const liveIn = async (environment: string) => {
    const { data } = await farm.client.GET('/api/environments');
    return data?.live.find((deployment) => deployment.environment === environment);
  };

  it('records each release, and a rollback puts the first commit and digests live again', async () => {
    const first = await release('alice');
    await repo.commit({ VERSION: 'v2\n' }, 'version 2');
    const second = await release('alice');
    expect(second.sha).not.toBe(first.sha);
    const firstDigest = await digestOf(first.id);
    const secondDigest = await digestOf(second.id);
    expect(firstDigest).not.toBe(secondDigest);

    expect(await liveIn('production')).toMatchObject({
      runId: second.id,
      sha: second.sha,
      kind: 'deploy',
      status: 'succeeded',
      approvers: ['alice'],
      artifacts: [{ job: 'compile', path: 'dist/app.txt', sha256: secondDigest }],
    });
    expect(await liveIn('staging')).toMatchObject({ runId: second.id, sha: second.sha, approvers: [] });

    const rollback = await gantry(['deploy', '--environment', 'production', '--run', first.id], as('rita'));
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(rollback.stdout).toContain(`rollback of production to ${first.sha?.slice(0, 7)}`);
    expect(rollback.stdout).toContain('awaiting approval');
    // The gate holds again: alice's approval of the first release does not count twice.
    await farm.client.waitForRun(first.id, until('awaiting_approval'), { timeoutMs: 60_000 });
    expect((await liveIn('production'))?.runId).toBe(second.id);
    // What approving would change: version 2's commit goes, and the digest of dist/app.txt goes back.
    const changes = await farm.client.GET('/api/environments/{name}/changes', {
      params: { path: { name: 'production' }, query: { runId: first.id } },
    });
    expect(changes.response.status).toBe(200);
    expect(changes.data).toMatchObject({
      live: { runId: second.id, sha: second.sha },
      candidate: { runId: first.id, sha: first.sha, stage: 'production' },
      commits: { added: [], removed: [{ sha: second.sha, subject: 'version 2' }], known: true, truncated: false },
      artifacts: [{ job: 'compile', path: 'dist/app.txt', liveSha256: secondDigest, candidateSha256: firstDigest }],
    });
    // Whoever asked for the rollback may not release it themselves.
    const bySelf = await gantry(['approve', first.id, '--stage', 'production'], as('rita'));
    expect(bySelf.code).not.toBe(0);
    expect(bySelf.stderr).toContain('rita asked for this rollback');
    const approved = await gantry(['approve', first.id, '--stage', 'production'], as('bob'));
    expect(approved.code, approved.stderr).toBe(0);
    const again = await farm.client.waitForRun(first.id, until('succeeded'), { timeoutMs: 120_000 });
    expect(again.status, farmLogs(farm)).toBe('succeeded');

    expect(await liveIn('production')).toMatchObject({
      runId: first.id,
      sha: first.sha,
      kind: 'rollback',
      requestedBy: 'rita',
      approvers: ['bob'],
      artifacts: [{ job: 'compile', path: 'dist/app.txt', sha256: firstDigest }],
    });
    // Staging was not touched by the production rollback.
    expect((await liveIn('staging'))?.runId).toBe(second.id);

    const history = await farm.client.GET('/api/environments/{name}/deployments', {
      params: { path: { name: 'production' } },
    });
    expect(history.data?.deployments.map((d) => [d.kind, d.runId, d.status, d.requestedBy, d.approvers])).toEqual([
      ['rollback', first.id, 'succeeded', 'rita', ['bob']],
      ['deploy', second.id, 'succeeded', null, ['alice']],
      ['deploy', first.id, 'succeeded', null, ['alice']],
    ]);

    const listed = await gantry(['environments'], as('rita'));
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(
      new RegExp(`production +${first.sha?.slice(0, 7)} +initial commit +${first.id} +rollback`),
    );
    expect(listed.stdout).toMatch(new RegExp(`staging +${second.sha?.slice(0, 7)} +version 2 +${second.id} +deploy`));
    const audit = await farm.client.GET('/api/audit', { params: { query: { action: 'environment.rollback' } } });
    expect(audit.data?.events).toMatchObject([{ actor: 'rita', runId: first.id }]);
  }, 400_000);

  it('refuses a rollback to a run that never deployed there, or to an unknown run', async () => {
    const unknown = await gantry(['deploy', '--environment', 'production', '--run', 'no-such-run'], as('rita'));
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain('run "no-such-run" not found');
    const reader = await gantry(['deploy', '--environment', 'production', '--run', 'x'], as('alice'));
    expect(reader.code).not.toBe(0);
    expect(reader.stderr).toMatch(/trigger/);
  });
});
