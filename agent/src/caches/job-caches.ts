/**
 * The caches of one attempt (`cache:` of its job): restore() before the first
 * step, save() after the last, then report() what happened to the controller.
 * Each cache prints one line per phase to the job log (hit, fallback or miss
 * with the key, size and time; saved or why not). Nothing here fails the job;
 * only a stale lease is thrown, for the runner to handle.
 */

import { retry } from '@gantry/common';
import type { CacheReport, CacheSpec__Output } from '@gantry/proto';
import { transferRetry } from '../artifacts/upload-artifacts.js';
import { type ControllerClient, isTransientCallError, type Lease } from '../controller-client.js';
import { cacheKeyOf } from './cache-key.js';
import { type CachePath, cachePathsOf } from './cache-paths.js';
import type { LocalCopies } from './local-copies.js';
import { type CacheRoots, restoreCache } from './restore-cache.js';
import { saveCache } from './save-cache.js';

export interface JobCachesOptions {
  controller: ControllerClient;
  lease: Lease;
  specs: readonly CacheSpec__Output[];
  roots: CacheRoots;
  copies: LocalCopies;
  maxBytes: number;
  print: (line: string) => void;
  signal?: AbortSignal;
}

interface Entry {
  spec: CacheSpec__Output;
  paths: CachePath[] | null;
  report: CacheReport;
}

export class JobCaches {
  readonly #entries: Entry[] = [];
  #restored = false;
  constructor(private readonly options: JobCachesOptions) {}

  /** True once restore() has run to its end (only then is there anything to save). */
  get restored(): boolean {
    return this.#restored;
  }

  /** Computes every key and restores each cache its policy lets restore. Called once, after checkout. */
  async restore(): Promise<void> {
    await this.#restoreEach();
    this.#restored = true;
  }

  async #restoreEach(): Promise<void> {
    const { controller, lease, roots, copies, print, signal } = this.options;
    for (const spec of this.options.specs) {
      const key = await cacheKeyOf(roots.workspace, spec);
      const entry: Entry = { spec, paths: null, report: { key, restore: 'miss', save: 'skipped', message: '' } };
      this.#entries.push(entry);
      try {
        entry.paths = cachePathsOf(spec.paths);
      } catch (error) {
        entry.report.message = (error as Error).message;
        print(`cache miss: key ${key}: ${entry.report.message}`);
        continue;
      }
      if (spec.policy === 'push') {
        entry.report.restore = 'skipped';
        print(`cache not restored: key ${key} (policy push)`);
        continue;
      }
      const result = await restoreCache({
        controller,
        lease,
        key,
        fallbackKeys: spec.fallbackKeys,
        paths: entry.paths,
        roots,
        copies,
        signal,
      });
      Object.assign(entry.report, result);
      if (result.restore === 'miss') {
        print(`cache miss: key ${key} (${result.message}), ${result.restoreMs} ms`);
      } else {
        const wanted = result.restore === 'fallback' ? ` for key ${key}` : '';
        print(
          `cache ${result.restore}: key ${result.restoredKey}${wanted}, ${result.restoredSize} bytes from scope ${result.restoredScope} (${result.message}), restored in ${result.restoreMs} ms`,
        );
      }
    }
  }

  /** Saves the caches whose key missed (or every one, policy push) when the result allows. */
  async save(result: 'succeeded' | 'failed' | 'timed_out' | 'canceled'): Promise<void> {
    const { print } = this.options;
    for (const entry of this.#entries) {
      const { spec, report } = entry;
      const reason = skipReason(spec, report, result);
      if (reason !== null || entry.paths === null) {
        report.save = report.restore === 'hit' && spec.policy === 'pull-push' ? 'not_needed' : 'skipped';
        print(`cache not saved: key ${report.key} (${reason ?? 'its paths are refused'})`);
        continue;
      }
      const saved = await saveCache({ ...this.options, key: report.key ?? '', paths: entry.paths });
      Object.assign(report, saved.message ? saved : { ...saved, message: report.message ?? '' });
      if (saved.save === 'saved') {
        print(
          `cache saved: key ${report.key}, ${saved.savedSize} bytes to scope ${saved.savedScope}, in ${saved.saveMs} ms`,
        );
      } else {
        print(`cache not saved: key ${report.key} (${saved.message})`);
      }
    }
  }

  /** Sends what every cache did; a report that cannot be delivered is only logged by the caller. */
  async report(): Promise<void> {
    if (this.#entries.length === 0) return;
    const { controller, lease, signal } = this.options;
    await retry(() => controller.reportCaches(lease, this.reports()), {
      ...transferRetry,
      signal,
      shouldRetry: isTransientCallError,
    });
  }

  reports(): CacheReport[] {
    return this.#entries.map((entry) => entry.report);
  }
}

function skipReason(spec: CacheSpec__Output, report: CacheReport, result: string): string | null {
  if (spec.policy === 'pull') return 'policy pull';
  if (result === 'canceled') return 'the job was canceled';
  if (result !== 'succeeded' && spec.when !== 'always') return `the job ${result.replace('_', ' ')}; when: on_success`;
  if (spec.policy === 'pull-push' && report.restore === 'hit') return 'the key was a hit';
  return null;
}
