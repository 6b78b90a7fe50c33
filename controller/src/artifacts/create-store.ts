/** Picks the artifact store from the configuration: S3 when GANTRY_ARTIFACTS is set, else the disk store. */
import type { ArtifactStore } from './artifact-store.js';
import { DiskStore } from './disk-store.js';
import type { S3Location } from './store-location.js';

export interface ArtifactStoreConfig {
  artifacts: S3Location | undefined;
  s3AccessKey: string | undefined;
  s3SecretKey: string | undefined;
  dataDir: string;
}

/**
 * The store, not yet opened. config.ts has already checked that S3 comes with both keys.
 * The S3 client is loaded only for S3 (it takes a third of a second to load).
 */
export async function createArtifactStore(config: ArtifactStoreConfig, baseUrl: () => string): Promise<ArtifactStore> {
  if (config.artifacts === undefined) return new DiskStore({ dataDir: config.dataDir, baseUrl });
  const { S3Store } = await import('./s3-store.js');
  return new S3Store(config.artifacts, { accessKey: config.s3AccessKey ?? '', secretKey: config.s3SecretKey ?? '' });
}
