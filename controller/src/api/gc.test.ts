/**
 * POST /api/gc as an admin uses it: the artifacts of old runs go (objects and
 * rows), a dry run only counts, and the run live in an environment (the
 * latest deployed there, or the one a rollback put back) keeps its artifacts
 * however old it is.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listRunArtifacts } from '../store/artifacts-repository.js';
import { takeUnpublished } from '../store/outbox-repository.js';
import { openTestApp, type TestApp, testAdminToken } from '../testing/api-test-app.js';

const pipeline = `name: gc
stages:
  - name: build
    jobs: [{ name: compile, steps: [make], artifacts: [dist/**], artifacts_when: always }]
  - name: staging
    environment: staging
    jobs: [{ name: deploy, steps: [ship], needs_artifacts: [compile] }]
`;
const auth = { authorization: `Bearer ${testAdminToken}` };

describe('POST /api/gc', () => {
  let testApp: TestApp;
  beforeAll(async () => {
    testApp = await openTestApp({ pipeline });
  }, 60_000);
  afterAll(async () => {
    await testApp?.close();
  });

  const post = (path: string, body: unknown) =>
    testApp.app.request(path, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  /** Runs the next queued job: it keeps `dist/app.bin` (when it is the build) and ends with `result`. */
  async function runNextJob(result: 'succeeded' | 'failed', keep: boolean): Promise<void> {
    await testApp.scheduler.settle();
    const offers = await testApp.database.db.transaction((tx) => takeUnpublished(tx, 100));
    const { jobId, attempt } = offers.at(-1)!.payload as { jobId: string; attempt: number };
    const claim = await testApp.lifecycle.claim('agent-1', jobId, attempt);
    if (!claim.granted) throw new Error('claim refused');
    const lease = { jobId, attempt, leaseToken: claim.leaseToken };
    if (keep) {
      const [upload] = await testApp.artifacts.createUploads(lease, ['dist/app.bin']);
      await testApp.app.request(upload!.url.replace('http://gantry.test', ''), { method: 'PUT', body: 'bytes' });
      const sha256 = '9d8d1e6b7c2e2c1a2f7e30f5b3e0e7d8c0e0a3d5f1f6b1f3a1c8e9b2d4f6a8c0';
      await testApp.artifacts.commit(lease, [{ path: 'dist/app.bin', size: 5, sha256, executable: false }]);
    }
    await testApp.lifecycle.finish(lease, { status: result, exitCode: result === 'succeeded' ? 0 : 1, message: null });
  }

  async function triggered(): Promise<string> {
    const created = await post('/api/runs', { repo: testApp.repo, ref: 'main' });
    return ((await created.json()) as { id: string }).id;
  }

  const artifactsOf = async (runId: string) =>
    (
      (await (await testApp.app.request(`/api/runs/${runId}/artifacts`, { headers: auth })).json()) as {
        artifacts: { url: string }[];
      }
    ).artifacts;

  it('deletes the artifacts of old runs but those deployed last to an environment', async () => {
    const deployedBefore = await triggered();
    await runNextJob('succeeded', true);
    await runNextJob('succeeded', false);
    const failed = await triggered();
    await runNextJob('failed', true);
    const deployedLast = await triggered();
    await runNextJob('succeeded', true);
    await runNextJob('succeeded', false);
    await testApp.database.db.execute(sql`update runs set finished_at = now() - interval '40 days'`);

    const recent = await post('/api/gc', { olderThan: '60d' });
    expect(await recent.json()).toEqual({
      dryRun: false,
      runs: 0,
      artifacts: 0,
      logs: 0,
      bytes: 0,
      caches: 0,
      cacheBytes: 0,
    });
    const dry = await post('/api/gc', { olderThan: '30d', dryRun: true });
    expect(await dry.json()).toEqual({
      dryRun: true,
      runs: 2,
      artifacts: 2,
      logs: 0,
      bytes: 10,
      caches: 0,
      cacheBytes: 0,
    });
    expect(await artifactsOf(deployedBefore)).toHaveLength(1);

    const [doomed] = await artifactsOf(failed);
    const redirect = await testApp.app.request(doomed!.url.replace('http://gantry.test', ''), { headers: auth });
    const objectUrl = redirect.headers.get('location')!.replace('http://gantry.test', '');
    expect((await testApp.app.request(objectUrl)).status).toBe(200);
    const gc = await post('/api/gc', { olderThan: '30d' });
    expect(await gc.json()).toEqual({
      dryRun: false,
      runs: 2,
      artifacts: 2,
      logs: 0,
      bytes: 10,
      caches: 0,
      cacheBytes: 0,
    });
    expect(await artifactsOf(deployedBefore)).toEqual([]);
    expect(await artifactsOf(failed)).toEqual([]);
    expect(await artifactsOf(deployedLast)).toHaveLength(1);
    // A list cut short says so.
    expect(await listRunArtifacts(testApp.database.db, deployedLast, 1)).toMatchObject({ truncated: false });
    expect(await listRunArtifacts(testApp.database.db, deployedLast, 0)).toEqual({ artifacts: [], truncated: true });
    // The row and the object are gone: the API knows no such artifact, the store has no such object.
    expect((await testApp.app.request(doomed!.url.replace('http://gantry.test', ''), { headers: auth })).status).toBe(
      404,
    );
    expect((await testApp.app.request(objectUrl)).status).toBe(404);
  }, 60_000);

  it('keeps the artifacts of the run a rollback put live again, not those of the run it replaced', async () => {
    const older = await triggered();
    await runNextJob('succeeded', true);
    await runNextJob('succeeded', false);
    const newer = await triggered();
    await runNextJob('succeeded', true);
    await runNextJob('succeeded', false);
    const rollback = await post('/api/environments/staging/rollback', { runId: older });
    expect(rollback.status).toBe(202);
    await runNextJob('succeeded', false);
    await testApp.database.db.execute(sql`update runs set finished_at = now() - interval '40 days'`);

    const gc = await post('/api/gc', { olderThan: '30d' });
    expect(gc.status).toBe(200);
    expect(await artifactsOf(older)).toHaveLength(1);
    expect(await artifactsOf(newer)).toEqual([]);

    // The run whose artifacts went cannot be deployed again: its deploy would fail at the download.
    const refused = await post('/api/environments/staging/rollback', { runId: newer });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toBe(
      `run ${newer} no longer has the artifacts of job "compile" (collected by gantry gc?): it cannot be deployed again`,
    );
    const run = (await (await testApp.app.request(`/api/runs/${newer}`, { headers: auth })).json()) as {
      status: string;
    };
    expect(run.status).toBe('succeeded');
  }, 60_000);

  it('refuses a duration without a unit', async () => {
    const bad = await post('/api/gc', { olderThan: '30' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { message: expect.stringContaining('has no unit') } });
  });

  it('refuses an age over 3650d, the database could not count back that far', async () => {
    const bad = await post('/api/gc', { olderThan: '3000000d' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({
      error: { code: 'INVALID_INPUT', message: 'olderThan: "3000000d" is longer than 3650d' },
    });
    expect((await post('/api/gc', { olderThan: '3650d', dryRun: true })).status).toBe(200);
  });
});
