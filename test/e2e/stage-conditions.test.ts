/**
 * `on:` and `if:` on real agents: a push outside `on:` starts no run and says
 * why; a stage whose `if:` does not hold is skipped with the reason while the
 * stages after it still run.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitRepo, type GitRepo, type RunView } from '../src/harness/index.js';
import { type Farm, farmLogs, startFarm } from './farm-fixture.js';

const pipeline = `name: conditions
on: { push: { branches: [main, "feature/*"], tags: ["v*"], paths: ["src/**", ".gantry.yml"] } }
stages:
  - name: build
    jobs: [{ name: compile, steps: ["echo built $GANTRY_REF"] }]
  - name: production
    if: { branch: main }
    jobs: [{ name: deploy, steps: ["echo deploying $GANTRY_SHA"] }]
  - name: report
    jobs: [{ name: summary, steps: ["echo done"] }]
`;

describe('on: and if: with real jobs', () => {
  let farm: Farm;
  let repo: GitRepo;
  beforeAll(async () => {
    farm = await startFarm({ agents: 1, slots: 2 });
    repo = await createGitRepo({ '.gantry.yml': pipeline, 'src/app.txt': 'one' });
  });
  afterAll(async () => {
    await farm?.stop();
  });

  const git = (...args: string[]) => execFileSync('git', ['-C', repo.path, ...args], { encoding: 'utf8' }).trim();

  const zero = '0'.repeat(40);

  /** Reports the push of `ref` (now at the repository's HEAD) from `before`, as the post-receive hook does. */
  async function push(ref: string, before: string) {
    const after = git('rev-parse', ref);
    const answer = await farm.client.POST('/api/pushes', { body: { repo: repo.path, ref, before, after } });
    expect(answer.response.status, JSON.stringify(answer.error)).toBeLessThan(300);
    return answer.data!;
  }

  async function finished(id: string): Promise<RunView> {
    const run = await farm.client.waitForRun(id, (r) => ['succeeded', 'failed'].includes(r.status), {
      timeoutMs: 90_000,
    });
    expect(run.status, `${run.error}\n${farmLogs(farm)}`).toBe('succeeded');
    return run;
  }

  const statuses = (run: RunView) => run.stages.map((stage) => [stage.name, stage.status, stage.skipReason]);

  it('runs every stage of a push to main', async () => {
    const created = await push('refs/heads/main', zero);
    if (!('id' in created)) throw new Error(`skipped: ${created.skipped}`);
    const run = await finished(created.id);
    expect(statuses(run)).toEqual([
      ['build', 'succeeded', null],
      ['production', 'succeeded', null],
      ['report', 'succeeded', null],
    ]);
  });

  it('skips production on a feature branch, says why, and still runs the stage after it', async () => {
    git('checkout', '-q', '-b', 'feature/login');
    const before = repo.sha;
    await repo.commit({ 'src/app.txt': 'two' }, 'change the app');
    git('checkout', '-q', 'main');
    const created = await push('refs/heads/feature/login', before);
    if (!('id' in created)) throw new Error(`skipped: ${created.skipped}`);
    const run = await finished(created.id);
    expect(statuses(run)).toEqual([
      ['build', 'succeeded', null],
      ['production', 'skipped', 'if: branch main; this run is on branch feature/login'],
      ['report', 'succeeded', null],
    ]);
    expect(run.stages[1]!.jobs.map((job) => job.status)).toEqual(['pending']);
  });

  it('starts no run for a branch outside on.push.branches, nor a push touching no listed path', async () => {
    const runsBefore = (await farm.client.GET('/api/runs', { params: { query: { limit: 500 } } })).data!.runs.length;
    git('checkout', '-q', '-b', 'experiment');
    await repo.commit({ 'src/app.txt': 'three' }, 'experiment');
    expect(await push('refs/heads/experiment', zero)).toEqual({
      skipped: 'branch experiment does not match on.push.branches (main, feature/*)',
    });

    git('checkout', '-q', 'main');
    const before = git('rev-parse', 'HEAD');
    await repo.commit({ 'docs/notes.md': 'notes' }, 'docs only');
    expect(await push('refs/heads/main', before)).toEqual({
      skipped: 'no file changed by the push matches on.push.paths (src/**, .gantry.yml)',
    });
    const runsAfter = (await farm.client.GET('/api/runs', { params: { query: { limit: 500 } } })).data!.runs.length;
    expect(runsAfter).toBe(runsBefore);
  });

  it('runs a tag listed in on.push.tags, skipping the branch-only stage', async () => {
    git('tag', 'v1.0');
    const created = await push('refs/tags/v1.0', zero);
    if (!('id' in created)) throw new Error(`skipped: ${created.skipped}`);
    const run = await finished(created.id);
    expect(statuses(run)).toEqual([
      ['build', 'succeeded', null],
      ['production', 'skipped', 'if: branch main; this run is on tag v1.0'],
      ['report', 'succeeded', null],
    ]);
  });
});
