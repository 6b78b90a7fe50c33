/**
 * The artifact store on MinIO or any S3, through the minio client, with
 * path-style addressing. The controller alone holds the credentials
 * (GANTRY_S3_ACCESS_KEY / GANTRY_S3_SECRET_KEY); agents get presigned URLs.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Readable } from 'node:stream';
import { Client } from 'minio';
import { type ArtifactStore, ArtifactStoreError } from './artifact-store.js';
import type { S3Location } from './store-location.js';

/** Idle time after which one request to the store is abandoned. */
const requestTimeoutMs = 30_000;

export interface S3Credentials {
  accessKey: string;
  secretKey: string;
}

export class S3Store implements ArtifactStore {
  readonly description: string;
  private readonly client: Client;

  constructor(
    private readonly location: S3Location,
    credentials: S3Credentials,
  ) {
    this.description = `s3://${location.bucket} at ${location.useSsl ? 'https' : 'http'}://${location.host}:${location.port}`;
    this.client = new Client({
      endPoint: location.host,
      port: location.port,
      useSSL: location.useSsl,
      region: location.region,
      pathStyle: true,
      accessKey: credentials.accessKey,
      secretKey: credentials.secretKey,
      transportAgent: location.useSsl
        ? new HttpsAgent({ keepAlive: true, timeout: requestTimeoutMs })
        : new HttpAgent({ keepAlive: true, timeout: requestTimeoutMs }),
    });
  }

  /** Creates the bucket when it is missing; any failure names the store and says why. */
  async open(): Promise<void> {
    const { bucket, region } = this.location;
    try {
      if (!(await this.client.bucketExists(bucket))) await this.client.makeBucket(bucket, region);
    } catch (error) {
      throw new ArtifactStoreError('STORE_UNAVAILABLE', `cannot use ${this.description}: ${messageOf(error)}`, {
        cause: error,
      });
    }
  }

  presignUpload(key: string, expiresInSeconds: number): Promise<string> {
    return this.client.presignedPutObject(this.location.bucket, key, expiresInSeconds);
  }

  presignDownload(key: string, expiresInSeconds: number): Promise<string> {
    return this.client.presignedGetObject(this.location.bucket, key, expiresInSeconds);
  }

  async putObject(key: string, body: Readable | Buffer, size: number): Promise<void> {
    await this.client.putObject(this.location.bucket, key, body, size);
  }

  async getObject(key: string): Promise<Readable> {
    return this.notFoundAsStoreError(key, () => this.client.getObject(this.location.bucket, key));
  }

  async getObjectRange(key: string, offset: number, length: number): Promise<Readable> {
    return this.notFoundAsStoreError(key, () =>
      this.client.getPartialObject(this.location.bucket, key, offset, length),
    );
  }

  private async notFoundAsStoreError(key: string, get: () => Promise<Readable>): Promise<Readable> {
    try {
      return await get();
    } catch (error) {
      if ((error as { code?: string }).code === 'NoSuchKey') {
        throw new ArtifactStoreError('OBJECT_NOT_FOUND', `no object "${key}"`, { cause: error });
      }
      throw error;
    }
  }

  async removeObjects(keys: string[]): Promise<void> {
    // S3 deletes at most 1000 keys per request.
    for (let start = 0; start < keys.length; start += 1000) {
      await this.client.removeObjects(this.location.bucket, keys.slice(start, start + 1000));
    }
  }
}

function messageOf(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  return [code, message].filter(Boolean).join(': ') || String(error);
}
