/**
 * For handler tests: the real API app (`createApp(deps)`) over embedded PGlite
 * in a temporary directory, with the real scheduler, lifecycle and metrics,
 * and a logger whose JSON lines the test can read. Plans runs from a real git
 * repository holding `pipeline`.
 */

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { type ApiDeps, createApp } from '../api/app.js';
import { ArtifactExchange } from '../artifacts/artifact-exchange.js';
import { CacheExchange } from '../artifacts/cache-exchange.js';
import { DiskStore } from '../artifacts/disk-store.js';
import { ControllerMetrics } from '../metrics/controller-metrics.js';
import { registerFarmStateGauges } from '../metrics/farm-state-gauges.js';
import { ApprovalWebhook, type ApprovalWebhookOptions } from '../notify/approval-webhook.js';
import { JobLifecycle } from '../scheduler/job-lifecycle.js';
import { RunControl } from '../scheduler/run-control.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { parseSecretKey } from '../secret-store/secret-key.js';
import { SecretVault } from '../secret-store/secret-vault.js';
import { createGitSource } from '../source/git-source.js';
import { localRepositories } from '../source/repository-allow-list.js';
import type { OpenDatabase } from '../store/database.js';
import { createPipelineRepo } from './pipeline-repo.js';
import { openTestDatabase } from './test-database.js';

export const testAdminToken = 'admin-token-for-handler-tests';

export interface TestApp {
  app: ReturnType<typeof createApp>;
  /** What `app` was made from, to make variants of it. */
  deps: ApiDeps;
  database: OpenDatabase;
  scheduler: Scheduler;
  lifecycle: JobLifecycle;
  metrics: ControllerMetrics;
  /** The disk store under the app's `/objects` URLs (base URL http://gantry.test). */
  artifactStore: DiskStore;
  artifacts: ArtifactExchange;
  caches: CacheExchange;
  /** A git repository whose `main` holds the pipeline. */
  repo: string;
  /** Present when `approvalWebhook` was given. */
  approvalWebhook: ApprovalWebhook | undefined;
  /** The JSON log lines written so far. */
  logLines(): Record<string, unknown>[];
  /** Closes the database under the running app: every later query fails. */
  breakDatabase(): Promise<void>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  pipeline: string;
  /** Announce approval requests to this webhook (`TestApp.approvalWebhook`). */
  approvalWebhook?: Omit<ApprovalWebhookOptions, 'db' | 'log' | 'publicUrl'>;
}

export async function openTestApp(options: TestAppOptions): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'gantry-api-'));
  const repo = join(dir, 'repo');
  createPipelineRepo(repo, options.pipeline);

  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const log = pino({ level: 'debug' }, sink);
  const database = await openTestDatabase(join(dir, 'pglite'));
  const metrics = new ControllerMetrics();
  registerFarmStateGauges(metrics.registry, { db: database.db, poolUse: database.poolUse, log });
  const source = createGitSource({ allow: localRepositories, cacheDir: join(dir, 'repos') });
  const approvalWebhook = options.approvalWebhook
    ? new ApprovalWebhook({ ...options.approvalWebhook, db: database.db, log, publicUrl: () => 'http://gantry.test' })
    : undefined;
  const scheduler = new Scheduler({
    db: database.db,
    source,
    log,
    offersCommitted: () => {},
    runChanged: () => {},
    gateOpened: (runId, stageId) => approvalWebhook?.notify(runId, stageId),
  });
  const lifecycle = new JobLifecycle({ db: database.db, scheduler, leaseTtlMs: 30_000, metrics });
  const artifactStore = new DiskStore({ dataDir: dir, baseUrl: () => 'http://gantry.test' });
  await artifactStore.open();
  const artifacts = new ArtifactExchange({ db: database.db, store: artifactStore });
  const caches = new CacheExchange({
    db: database.db,
    store: artifactStore,
    protectedBranches: ['main'],
    maxBytes: 1024 ** 3,
  });
  const deps: ApiDeps = {
    db: database.db,
    scheduler,
    runControl: new RunControl({ db: database.db, scheduler, publishControl: () => {}, lifecycle }),
    source,
    adminToken: testAdminToken,
    secrets: new SecretVault(parseSecretKey(randomBytes(32).toString('hex'))),
    baseUrl: 'http://gantry.test',
    log,
    health: async () => ({ ok: true, checks: { database: { ok: true, detail: database.kind } } }),
    metrics: { instruments: metrics, public: false },
    artifacts: { exchange: artifacts, store: artifactStore, diskStore: artifactStore },
  };
  let databaseClosed = false;
  const closeDatabase = async () => {
    if (databaseClosed) return;
    databaseClosed = true;
    await database.close();
  };
  return {
    app: createApp(deps),
    deps,
    database,
    scheduler,
    lifecycle,
    metrics,
    artifactStore,
    artifacts,
    caches,
    repo,
    approvalWebhook,
    logLines: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>),
    breakDatabase: closeDatabase,
    async close() {
      await approvalWebhook?.stop();
      await closeDatabase();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Triggers a run of the app's repository at `ref` as the admin and waits until it is planned; answers its id. */
export async function triggerTestRun(testApp: TestApp, ref = 'main'): Promise<string> {
  const created = await testApp.app.request('/api/runs', {
    method: 'POST',
    headers: { authorization: `Bearer ${testAdminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ repo: testApp.repo, ref }),
  });
  if (created.status !== 201) throw new Error(`trigger answered ${created.status}: ${await created.text()}`);
  await testApp.scheduler.settle();
  return ((await created.json()) as { id: string }).id;
}
