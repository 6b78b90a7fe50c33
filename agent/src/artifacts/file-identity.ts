/** Which file a path led to: the same device and inode is the same file, wherever its path leads now. */
export interface FileIdentity {
  dev: number;
  ino: number;
}

export function identityOf(stats: { dev: number; ino: number }): FileIdentity {
  return { dev: stats.dev, ino: stats.ino };
}
