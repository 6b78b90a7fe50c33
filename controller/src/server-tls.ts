/**
 * The controller's TLS identity (GANTRY_TLS_CERT / GANTRY_TLS_KEY): read once
 * at start and used by both the HTTP and the gRPC server, which then accept
 * TLS only. Absent both variables, the servers speak plaintext.
 */

import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';
import { ConfigError, type ControllerConfig } from './config.js';

export interface ServerTlsFiles {
  cert: Buffer;
  key: Buffer;
}

/** The PEM chain and key; ConfigError naming the variable when a file cannot be read or they do not match. */
export async function readServerTls(
  config: Pick<ControllerConfig, 'tlsCert' | 'tlsKey'>,
): Promise<ServerTlsFiles | undefined> {
  if (!config.tlsCert || !config.tlsKey) return undefined;
  const read = async (variable: string, path: string) => {
    try {
      return await readFile(path);
    } catch (error) {
      throw new ConfigError([`${variable}=${path}: cannot read it (${(error as NodeJS.ErrnoException).code})`]);
    }
  };
  const cert = await read('GANTRY_TLS_CERT', config.tlsCert);
  const key = await read('GANTRY_TLS_KEY', config.tlsKey);
  try {
    createSecureContext({ cert, key });
  } catch (error) {
    throw new ConfigError([
      `GANTRY_TLS_CERT / GANTRY_TLS_KEY: not a PEM certificate and its key (${(error as Error).message})`,
    ]);
  }
  return { cert, key };
}
