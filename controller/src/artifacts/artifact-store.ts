/**
 * The port to object storage for artifacts and archived logs. Agents never
 * hold storage credentials: the controller hands them presigned URLs bound to
 * one key and one method. Two implementations: s3-store.ts (MinIO or any S3,
 * through the minio client) and disk-store.ts (files in the data directory,
 * served by the controller's HTTP server through signed URLs).
 */
import type { Readable } from 'node:stream';

export interface ArtifactStore {
  /** "s3://bucket" or "disk:/path", for logs and messages (never a secret). */
  readonly description: string;
  /**
   * Called once at start, before the controller takes work: creates the
   * bucket or directory when missing. Throws ArtifactStoreError when the
   * store cannot be used, so a misconfiguration stops the controller at once.
   */
  open(): Promise<void>;
  /** A URL that accepts one PUT of `key`'s bytes until `expiresInSeconds` from now. */
  presignUpload(key: string, expiresInSeconds: number): Promise<string>;
  /** A URL that answers GET with `key`'s bytes until `expiresInSeconds` from now. */
  presignDownload(key: string, expiresInSeconds: number): Promise<string>;
  /** Stores `body` (of `size` bytes) under `key`, replacing what was there. */
  putObject(key: string, body: Readable | Buffer, size: number): Promise<void>;
  /** The bytes under `key`; ArtifactStoreError with code OBJECT_NOT_FOUND when there are none. */
  getObject(key: string): Promise<Readable>;
  /** `length` bytes of `key` from `offset` (fewer if the object ends first); OBJECT_NOT_FOUND as getObject. */
  getObjectRange(key: string, offset: number, length: number): Promise<Readable>;
  /** Removes the keys; missing keys are not an error. */
  removeObjects(keys: string[]): Promise<void>;
}

export type ArtifactStoreErrorCode = 'STORE_UNAVAILABLE' | 'OBJECT_NOT_FOUND';

export class ArtifactStoreError extends Error {
  override readonly name = 'ArtifactStoreError';
  constructor(
    readonly code: ArtifactStoreErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** How long a URL handed to an agent or an API caller stays valid. */
export const PRESIGNED_URL_TTL_SECONDS = 15 * 60;
