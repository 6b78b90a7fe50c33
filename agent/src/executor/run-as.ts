/**
 * `--run-as USER`: the agent (root) runs every step as an unprivileged user,
 * who owns the attempt's workspace and temporary directory and nothing else
 * of the agent's: the work dir's caches and snapshots stay 0700, the agent's
 * token and credential files 0600, all owned by the agent's user.
 */
import { spawnSync } from 'node:child_process';
import { lchown, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** The user steps run as, resolved once at start-up. */
export interface RunAsUser {
  name: string;
  uid: number;
  gid: number;
  /** The user's home from the password database, if it names one. */
  home: string | undefined;
}

export class RunAsError extends Error {
  override name = 'RunAsError';
  readonly code = 'RUN_AS_INVALID';
}

/**
 * Looks `user` (a name or a numeric uid) up with `getent passwd`. Throws
 * RunAsError when it is unknown, is root, or the agent cannot switch users.
 */
export function resolveRunAsUser(user: string, agentUid = process.getuid?.() ?? -1): RunAsUser {
  if (agentUid !== 0)
    throw new RunAsError(`--run-as ${user}: the agent must run as root to start steps as another user`);
  const found = spawnSync('getent', ['passwd', user], { encoding: 'utf8' });
  const fields = found.status === 0 ? found.stdout.split('\n')[0]?.split(':') : undefined;
  if (!fields || fields.length < 7) throw new RunAsError(`--run-as ${user}: no such user`);
  const [name = user, , uidText, gidText, , home] = fields;
  const uid = Number(uidText);
  const gid = Number(gidText);
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) throw new RunAsError(`--run-as ${user}: unreadable user entry`);
  if (uid === 0) throw new RunAsError(`--run-as ${user}: is root; steps must run as an unprivileged user`);
  return { name, uid, gid, home: home === '' ? undefined : home };
}

/** Gives `root` and everything under it to `user` (links themselves, never followed). */
export async function chownTree(root: string, user: { uid: number; gid: number }): Promise<void> {
  await lchown(root, user.uid, user.gid);
  for (const entry of await readdir(root, { withFileTypes: true, recursive: true })) {
    await lchown(join(entry.parentPath, entry.name), user.uid, user.gid);
  }
}
