/**
 * An agent killed with SIGKILL in the middle of an upload leaves nothing
 * half-listed: its attempt commits nothing, the job runs again elsewhere, and
 * the retried attempt uploads under its own attempt key.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitRepo } from '../src/harness/index.js';
import { type Farm, farmLogs, startFarm } from './farm-fixture.js';
import { waitFor, waitLogArchived } from './wait.js';

const blobBytes = 400 * 1024 * 1024;
const pipeline = `name: crash
stages:
  - name: build
    jobs:
      - name: compile
        artifacts: [big/**]
        steps: ["mkdir -p big && head -c ${blobBytes} /dev/zero > big/blob"]
`;

describe('an agent killed during an upload', () => {
  let farm: Farm;
  beforeAll(async () => {
    farm = await startFarm({ agents: 2, slots: 1 });
  }, 120_000);
  afterAll(async () => {
    await farm?.stop();
  });

  it('leaves no artifact of its attempt, and the retry keeps its own', async () => {
    const repo = await createGitRepo({ '.gantry.yml': pipeline });
    const created = await farm.client.POST('/api/runs', { body: { repo: repo.path, ref: 'main' } });
    const runId = created.data!.id;
    // The agent that claimed the job is the one that uploads its artifact: known before the upload starts,
    // so nothing but the poll stands between seeing the upload and killing it (it lasts about a second).
    const running = await farm.client.waitForRun(runId, (run) => run.stages[0]?.jobs[0]?.agentId != null);
    const victim = farm.agents.find((agent) => agent.agentId === running.stages[0]!.jobs[0]!.agentId)!;
    const incoming = join(farm.controllerDataDir, 'artifacts', '.incoming');
    // The controller writes an upload to .incoming until the last byte arrives.
    await waitFor(
      'an upload in progress',
      async () => {
        for (const name of await readdir(incoming).catch(() => [])) {
          if ((await stat(join(incoming, name)).catch(() => null))?.size) return true;
        }
        return false;
      },
      120_000,
    );
    await victim.kill9();

    const run = await farm.client.waitForRun(runId, (r) => !['queued', 'running'].includes(r.status), {
      timeoutMs: 180_000,
    });
    expect(run.status, farmLogs(farm)).toBe('succeeded');
    const job = run.stages[0]!.jobs[0]!;
    expect(job.attempts.map((attempt) => attempt.status)).toEqual(['lost', 'succeeded']);

    const listed = await farm.client.GET('/api/runs/{id}/artifacts', { params: { path: { id: runId } } });
    expect(listed.data?.artifacts.map((a) => [a.attempt, a.path, a.size])).toEqual([[2, 'big/blob', blobBytes]]);
    const attempts = join(farm.controllerDataDir, 'artifacts', 'runs', runId, 'jobs', job.id, 'attempts');
    expect(await readdir(attempts)).toEqual(['2']);
    // The log archiver stores each ended attempt's log through .incoming too (a moment after the run
    // ends): once no log rows of the job are left, its writes are done and only a killed upload's
    // file could be there.
    await waitLogArchived(farm.databaseUrl, job.id);
    expect(await readdir(incoming)).toEqual([]);
  }, 300_000);
});
