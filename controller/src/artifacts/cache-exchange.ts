/**
 * What agents do with caches, fenced by the lease like every other agent
 * call: find the cache to restore (exact key, then fallback prefixes, in the
 * scopes the run's ref may read), get a presigned PUT URL for a new archive,
 * and record it in the scope the ref writes. Called by the gRPC service;
 * throws StaleLeaseError (FAILED_PRECONDITION) or DomainError INVALID_INPUT
 * (INVALID_ARGUMENT).
 */
import { createHash, randomUUID } from 'node:crypto';
import { cacheScopesOf } from '../domain/cache-scope.js';
import { DomainError, StaleLeaseError } from '../domain/errors.js';
import {
  type CacheRecord,
  cacheContextOfLease,
  findCache,
  saveCacheFenced,
  saveCacheReportsFenced,
} from '../store/caches-repository.js';
import type { Database } from '../store/database.js';
import type { LeaseKey } from '../store/leases-repository.js';
import { type ArtifactStore, PRESIGNED_URL_TTL_SECONDS } from './artifact-store.js';

/** Keys in one GetCacheDownload call: the exact key and the fallbacks. */
export const MAX_CACHE_LOOKUPS = 16;
export const MAX_CACHE_REPORTS = 8;
export const CACHE_FORMATS = ['tar+zstd', 'tar+gzip'] as const;
const KEY = /^[A-Za-z0-9._-]{1,200}$/;
const UPLOAD_ID = /^[0-9a-f-]{36}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

export interface CacheExchangeOptions {
  db: Database;
  store: ArtifactStore;
  /** GANTRY_CACHE_PROTECTED_BRANCHES. */
  protectedBranches: readonly string[];
  /** GANTRY_CACHE_MAX_BYTES: the largest archive recorded. */
  maxBytes: number;
}

export type CacheFound = CacheRecord & { url: string; exact: boolean };

export class CacheExchange {
  constructor(private readonly options: CacheExchangeOptions) {}

  /** The cache to restore for `keys` (exact first, then prefixes), with a GET URL; null when none. */
  async download(lease: LeaseKey, keys: string[]): Promise<CacheFound | null> {
    if (keys.length === 0 || keys.length > MAX_CACHE_LOOKUPS) {
      throw new DomainError(
        'INVALID_INPUT',
        `between 1 and ${MAX_CACHE_LOOKUPS} cache keys per call (got ${keys.length})`,
      );
    }
    for (const key of keys) checkKey(key);
    const context = await this.#context(lease);
    const scopes = cacheScopesOf(context.fullRef, context.ref, this.options.protectedBranches).read;
    for (const [index, key] of keys.entries()) {
      const found = await findCache(this.options.db, { repo: context.repo, scopes, key, prefix: index > 0 });
      if (found === null) continue;
      const url = await this.options.store.presignDownload(found.objectKey, PRESIGNED_URL_TTL_SECONDS);
      return { ...found, url, exact: index === 0 };
    }
    return null;
  }

  /** A PUT URL for a new archive of `key`, in the scope the attempt's ref writes. */
  async createUpload(lease: LeaseKey, key: string): Promise<{ uploadId: string; url: string; scope: string }> {
    checkKey(key);
    const context = await this.#context(lease);
    const uploadId = randomUUID();
    const url = await this.options.store.presignUpload(
      cacheObjectKey(context.repo, uploadId),
      PRESIGNED_URL_TTL_SECONDS,
    );
    return { uploadId, url, scope: cacheScopesOf(context.fullRef, context.ref, this.options.protectedBranches).write };
  }

  /** Records the uploaded archive as the cache of `key` in the attempt's write scope. */
  async commit(
    lease: LeaseKey,
    upload: { key: string; uploadId: string; size: number; sha256: string; format: string },
  ): Promise<void> {
    checkKey(upload.key);
    if (!UPLOAD_ID.test(upload.uploadId))
      throw new DomainError('INVALID_INPUT', `unknown cache upload "${upload.uploadId}"`);
    if (!SHA256_HEX.test(upload.sha256))
      throw new DomainError('INVALID_INPUT', `cache archive has no hex SHA-256 ("${upload.sha256}")`);
    if (!(CACHE_FORMATS as readonly string[]).includes(upload.format)) {
      throw new DomainError(
        'INVALID_INPUT',
        `unknown cache format "${upload.format}"; expected ${CACHE_FORMATS.join(' or ')}`,
      );
    }
    if (!Number.isSafeInteger(upload.size) || upload.size <= 0 || upload.size > this.options.maxBytes) {
      throw new DomainError(
        'INVALID_INPUT',
        `cache archive of ${upload.size} bytes is refused (limit ${this.options.maxBytes} bytes, GANTRY_CACHE_MAX_BYTES)`,
      );
    }
    const context = await this.#context(lease);
    const objectKey = cacheObjectKey(context.repo, upload.uploadId);
    const replaced = await saveCacheFenced(this.options.db, lease, {
      repo: context.repo,
      scope: cacheScopesOf(context.fullRef, context.ref, this.options.protectedBranches).write,
      key: upload.key,
      objectKey,
      format: upload.format,
      size: upload.size,
      sha256: upload.sha256,
      runId: context.runId,
      jobId: lease.jobId,
    });
    if (replaced === null) throw new StaleLeaseError(lease.jobId, lease.attempt);
    if (replaced !== '') await this.options.store.removeObjects([replaced]);
  }

  /** Keeps what the attempt's caches did (a repeated report replaces the earlier one). */
  async report(lease: LeaseKey, reports: unknown[]): Promise<void> {
    if (reports.length > MAX_CACHE_REPORTS) {
      throw new DomainError('INVALID_INPUT', `at most ${MAX_CACHE_REPORTS} cache reports (got ${reports.length})`);
    }
    if (!(await saveCacheReportsFenced(this.options.db, lease, reports))) {
      throw new StaleLeaseError(lease.jobId, lease.attempt);
    }
  }

  async #context(lease: LeaseKey) {
    const context = await cacheContextOfLease(this.options.db, lease);
    if (context === null) throw new StaleLeaseError(lease.jobId, lease.attempt);
    return context;
  }
}

/** `caches/<SHA-256 of the repository, 16 hex>/<upload id>`: every upload its own object. */
export function cacheObjectKey(repo: string, uploadId: string): string {
  return `caches/${createHash('sha256').update(repo).digest('hex').slice(0, 16)}/${uploadId}`;
}

function checkKey(key: string): void {
  if (!KEY.test(key)) {
    throw new DomainError(
      'INVALID_INPUT',
      `cache key "${key.slice(0, 80)}" may only hold letters, digits, ".", "_" and "-" (at most 200)`,
    );
  }
}
