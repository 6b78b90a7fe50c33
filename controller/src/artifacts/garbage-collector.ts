/**
 * `gantry gc`: deletes the artifacts and archived logs of runs that ended
 * before a cutoff, keeping runs awaiting approval and the latest run that
 * succeeded in each environment. Rows go first (in one transaction), objects
 * after: a crash in between leaves unreferenced objects, never a listed
 * artifact whose bytes are gone. A pack of short logs (see log-archiver.ts)
 * is removed with the last log it holds: which packs are still named is read
 * after the rows' transaction commits, so of two collectors that delete a
 * pack's last logs at once, the later one sees both deletions.
 */
import { deleteCachesById, findUnusedCaches } from '../store/caches-repository.js';
import type { Database } from '../store/database.js';
import { referencedArchiveKeys } from '../store/log-archives-repository.js';
import { deleteRunObjectRows, findCollectableRuns, listRunObjects } from '../store/retention-repository.js';
import { artifactKey } from './artifact-keys.js';
import type { ArtifactStore } from './artifact-store.js';

export interface GarbageReport {
  dryRun: boolean;
  runs: number;
  artifacts: number;
  logs: number;
  /** Artifact bytes plus uncompressed log bytes. */
  bytes: number;
  /** Caches neither saved nor restored for `olderThanMs`, and their archives' bytes. */
  caches: number;
  cacheBytes: number;
}

/** Runs handled per batch. */
const batchRuns = 100;

export async function collectGarbage(
  deps: { db: Database; store: ArtifactStore },
  options: { olderThanMs: number; dryRun: boolean },
): Promise<GarbageReport> {
  const report: GarbageReport = {
    dryRun: options.dryRun,
    runs: 0,
    artifacts: 0,
    logs: 0,
    bytes: 0,
    caches: 0,
    cacheBytes: 0,
  };
  await collectUnusedCaches(deps, options, report);
  const seen = new Set<string>();
  for (;;) {
    const runIds = (await findCollectableRuns(deps.db, options.olderThanMs, batchRuns + seen.size)).filter(
      (id) => !seen.has(id),
    );
    if (runIds.length === 0) return report;
    const objects = await listRunObjects(deps.db, runIds);
    report.runs += runIds.length;
    report.artifacts += objects.artifacts.length;
    report.logs += objects.logs.length;
    report.bytes +=
      objects.artifacts.reduce((sum, artifact) => sum + artifact.size, 0) +
      objects.logs.reduce((sum, log) => sum + log.bytes, 0);
    if (options.dryRun) {
      for (const id of runIds) seen.add(id);
      continue;
    }
    await deps.db.transaction((tx) => deleteRunObjectRows(tx, runIds));
    const logKeys = [...new Set(objects.logs.map((log) => log.key))];
    const stillNamed = await referencedArchiveKeys(deps.db, logKeys);
    await deps.store.removeObjects([
      ...objects.artifacts.map((a) => artifactKey(a.runId, a.jobId, a.attempt, a.path)),
      ...logKeys.filter((key) => !stillNamed.has(key)),
    ]);
  }
}

/** Caches unused for `olderThanMs`: rows first, archives after (as for runs). */
async function collectUnusedCaches(
  deps: { db: Database; store: ArtifactStore },
  options: { olderThanMs: number; dryRun: boolean },
  report: GarbageReport,
): Promise<void> {
  const counted = new Set<string>();
  for (;;) {
    const unused = (await findUnusedCaches(deps.db, options.olderThanMs, batchRuns + counted.size)).filter(
      (cache) => !counted.has(cache.id),
    );
    if (unused.length === 0) return;
    report.caches += unused.length;
    report.cacheBytes += unused.reduce((sum, cache) => sum + cache.size, 0);
    if (options.dryRun) {
      for (const cache of unused) counted.add(cache.id);
      continue;
    }
    await deleteCachesById(
      deps.db,
      unused.map((cache) => cache.id),
    );
    await deps.store.removeObjects(unused.map((cache) => cache.objectKey));
  }
}
