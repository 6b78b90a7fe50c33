/**
 * A cache's key, computed on the agent from the workspace after checkout:
 * `<prefix>-<first 32 hex of SHA-256>` over the cache's paths and, for each
 * key file in order, its name and contents. It changes exactly when a key file
 * (or the list of paths) does. A key file that is missing counts as missing,
 * so adding it changes the key too.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import type { CacheSpec__Output } from '@gantry/proto';

export async function cacheKeyOf(workspace: string, spec: CacheSpec__Output): Promise<string> {
  const hash = createHash('sha256');
  hash.update(`paths\0${spec.paths.join('\0')}\0`);
  for (const file of spec.keyFiles) {
    hash.update(`file\0${file}\0`);
    try {
      for await (const chunk of createReadStream(join(workspace, file))) hash.update(chunk as Buffer);
      hash.update('\0present');
    } catch {
      hash.update('\0missing');
    }
  }
  return `${spec.keyPrefix || 'cache'}-${hash.digest('hex').slice(0, 32)}`;
}
