/**
 * Attacks through artifacts, on a real farm: a job that links its agent's
 * credential (or a system file) into its artifacts gets the link refused by
 * name and nothing of it stored; a pipeline naming an artifact path that
 * climbs out of the workspace is refused before anything runs.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Farm, farmLogs, startFarm } from '../e2e/farm-fixture.js';
import { createGitRepo, type RunView } from '../src/harness/index.js';

const finished = (run: RunView) => !['queued', 'running'].includes(run.status);

async function runPipeline(farm: Farm, pipeline: string): Promise<RunView> {
  const repo = await createGitRepo({ '.gantry.yml': pipeline });
  const created = await farm.client.POST('/api/runs', { body: { repo: repo.path, ref: 'main' } });
  expect(created.response.status, JSON.stringify(created.error)).toBe(201);
  return farm.client.waitForRun(created.data!.id, finished, { timeoutMs: 60_000 });
}

describe('artifacts as a way out', () => {
  let farm: Farm;
  beforeAll(async () => {
    farm = await startFarm({ agents: 1, slots: 1 });
  });
  afterAll(async () => {
    await farm?.stop();
  });

  it('refuses symlinks to the agent credential and to system files, and stores only the real file', async () => {
    // The workspace is WORK_DIR/workspaces/<place>; the agent keeps its credential in WORK_DIR/credential.
    const run = await runPipeline(
      farm,
      `name: leak
stages:
  - name: build
    jobs:
      - name: leak
        artifacts: [out/**]
        steps:
          - mkdir -p out && echo built > out/ok
          - ln -s "$(cd "$GANTRY_WORKSPACE/../.." && pwd)/credential" out/credential
          - ln -s /etc/shadow out/shadow
`,
    );
    expect(run.status, farmLogs(farm)).toBe('succeeded');
    const job = run.stages[0]!.jobs[0]!;
    const log = await farm.client.readLog(run.id, job.id);
    expect(log).toMatch(/artifact out\/credential refused: symlink to \/\S+\/credential, outside the workspace/);
    expect(log).toContain('artifact out/shadow refused: symlink to /etc/shadow, outside the workspace');
    const listed = await farm.client.GET('/api/runs/{id}/artifacts', { params: { path: { id: run.id } } });
    expect(listed.data?.artifacts.map((artifact) => artifact.path)).toEqual(['out/ok']);
  });

  it('refuses an artifact path that climbs out of the workspace before running anything', async () => {
    const run = await runPipeline(
      farm,
      `name: climb
stages:
  - name: build
    jobs:
      - { name: climb, artifacts: ["../../credential"], steps: ["echo never runs"] }
`,
    );
    expect(run.status).toBe('failed');
    expect(run.error).toContain('artifact path "../../credential" must not contain ".."');
    expect(run.stages).toEqual([]);
  });

  it('stays healthy', async () => {
    const health = await fetch(new URL('/healthz', farm.controller.httpUrl));
    expect(health.status).toBe(200);
  });
});
