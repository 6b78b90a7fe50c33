/**
 * Counts in the farm's JSON logs (pino, one object per line): the controller's
 * `stale lease refused`, and the attempts agents gave up because their lease
 * was lost, by reason (`stale`: fenced by the controller; `expired`: no
 * renewal for most of the TTL, self-fenced).
 */
export interface FenceCounts {
  /** Calls the controller refused with FAILED_PRECONDITION (log lines, all restarts). */
  controllerRefused: number;
  /** Distinct attempts agents killed after a stale-lease answer. */
  agentStale: number;
  /** Distinct attempts agents killed on their own after failing to renew. */
  agentExpired: number;
  /** Some log was longer than the capture buffer: early lines are missing. */
  truncated: boolean;
}

function* jsonLines(text: string): Generator<Record<string, unknown>> {
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const entry: unknown = JSON.parse(line);
      if (typeof entry === 'object' && entry !== null) yield entry as Record<string, unknown>;
    } catch {
      // Not a log object (a torn line at a crash).
    }
  }
}

const isTruncated = (text: string) => text.startsWith('[… ');

export function countFences(controllerLog: string, agentLogs: string[]): FenceCounts {
  let controllerRefused = 0;
  for (const entry of jsonLines(controllerLog)) if (entry.msg === 'stale lease refused') controllerRefused++;
  const stale = new Set<string>();
  const expired = new Set<string>();
  for (const log of agentLogs) {
    for (const entry of jsonLines(log)) {
      const msg = typeof entry.msg === 'string' ? entry.msg : '';
      if (!/lease/i.test(msg) || !/lost|stale|fenc/i.test(msg)) continue;
      const key = `${String(entry.jobId)}:${String(entry.attempt)}`;
      if (entry.reason === 'expired') expired.add(key);
      else stale.add(key);
    }
  }
  return {
    controllerRefused,
    agentStale: stale.size,
    agentExpired: expired.size,
    truncated: isTruncated(controllerLog) || agentLogs.some(isTruncated),
  };
}
