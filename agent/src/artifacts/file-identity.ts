/**
 * Which file a path led to: the same device and inode is the same file,
 * wherever its path leads now. Read as bigint: an inode number may not fit a
 * double (overlayfs with xino sets its high bits).
 */
export interface FileIdentity {
  dev: bigint;
  ino: bigint;
}

export function identityOf(stats: { dev: bigint; ino: bigint }): FileIdentity {
  return { dev: stats.dev, ino: stats.ino };
}
