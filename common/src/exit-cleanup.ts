/**
 * Last-resort cleanup for child processes: if this process
 * exits while they still run (a test crashed before its `stop()`), each
 * registered kill runs synchronously in the `exit` handler. Signal deaths of
 * this process itself (SIGKILL, an unhandled Ctrl-C) skip `exit` handlers; nothing helps
 * there.
 */
const kills = new Set<() => void>();

/** Registers `kill` (must be synchronous and must not throw); returns the function that unregisters it. */
export function killOnExit(kill: () => void): () => void {
  if (kills.size === 0) process.on('exit', runKills);
  kills.add(kill);
  return () => {
    kills.delete(kill);
    if (kills.size === 0) process.off('exit', runKills);
  };
}

function runKills(): void {
  for (const kill of kills) {
    try {
      kill();
    } catch {
      // The process is already gone.
    }
  }
}
