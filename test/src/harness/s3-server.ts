/**
 * A real S3-protocol server on loopback for the tests: s3rver, on a free
 * port, storing objects in a temporary directory. It accepts the fixed
 * credentials S3RVER / S3RVER. It checks no multipart listings and is no
 * proof of signature handling; the disk store's signatures are tested on
 * their own.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

export interface S3Server {
  /** `http://127.0.0.1:PORT` */
  readonly endpoint: string;
  readonly accessKey: string;
  readonly secretKey: string;
  /** Where s3rver keeps the objects (to tamper with one in a test). */
  readonly directory: string;
  /** The controller's environment for an `s3://` store on this server with `bucket`. */
  controllerEnv(bucket: string): Record<string, string>;
  stop(): Promise<void>;
}

export async function startS3Server(): Promise<S3Server> {
  const directory = await mkdtemp(join(tmpdir(), 'gantry-s3-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, directory, silent: true });
  const address = await server.run();
  const endpoint = `http://127.0.0.1:${address.port}`;
  return {
    endpoint,
    accessKey: 'S3RVER',
    secretKey: 'S3RVER',
    directory,
    controllerEnv: (bucket) => ({
      GANTRY_ARTIFACTS: `s3://${bucket}?endpoint=${endpoint}&region=us-east-1`,
      GANTRY_S3_ACCESS_KEY: 'S3RVER',
      GANTRY_S3_SECRET_KEY: 'S3RVER',
    }),
    async stop() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
