/**
 * Counts in the farm's JSON logs (pino, one object per line): the controller's
 * `stale lease refused`, and the attempts agents gave up because their lease
 * was lost, by reason (`stale`: fenced by the controller; `expired`: no
 * renewal for most of the TTL, self-fenced). A refusal only counts as a fenced
 * stale report when the attempt really lost its lease (ended `lost`); one for
 * an attempt that ended normally is a call racing its own FinishJob.
 */
export interface FenceCounts {
  /** Calls for attempts that ended `lost`, refused by the controller with FAILED_PRECONDITION (all restarts). */
  controllerRefused: number;
  /** Attempts that ended `lost` which their agent killed after a stale-lease answer. */
  agentStale: number;
  /** Attempts agents killed on their own after failing to renew. */
  agentExpired: number;
  /** Refusals (controller lines + agent attempts) for attempts that ended normally: a call racing FinishJob. */
  afterFinish: number;
  /**
   * The attempts (`jobId:attempt`) that ended `lost` and were seen fenced by any of the three
   * means above; `unattributed` counts controller refusals that named no attempt.
   */
  fencedAttempts: string[];
  unattributed: number;
  /** Some log was longer than the capture buffer: early lines are missing. */
  truncated: boolean;
  /** A few of the lines counted, for the report. */
  samples: string[];
}

/** The final status of an attempt (`lost`, `succeeded`, …), undefined if unknown. */
export type AttemptStatusOf = (jobId: string, attempt: number) => string | undefined;

const MAX_SAMPLES = 4;

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

/** The attempt a line is about: its fields, else the error text ("lease of job X attempt N …"). */
function attemptOf(entry: Record<string, unknown>): { jobId: string; attempt: number } | undefined {
  if (typeof entry.jobId === 'string' && typeof entry.attempt === 'number') {
    return { jobId: entry.jobId, attempt: entry.attempt };
  }
  const match = /job (\S+) attempt (\d+)/.exec(String(entry.err ?? ''));
  return match ? { jobId: match[1] as string, attempt: Number(match[2]) } : undefined;
}

export function countFences(controllerLog: string, agentLogs: string[], statusOf: AttemptStatusOf): FenceCounts {
  const samples = { fenced: [] as string[], race: [] as string[] };
  const sample = (list: string[], entry: Record<string, unknown>) => {
    if (list.length < MAX_SAMPLES / 2) list.push(JSON.stringify(entry));
  };
  const wasLost = (entry: Record<string, unknown>) => {
    const attempt = attemptOf(entry);
    // Unattributable lines count as fenced: better a figure too high than a race hidden.
    return attempt === undefined || statusOf(attempt.jobId, attempt.attempt) === 'lost';
  };

  let controllerRefused = 0;
  let afterFinish = 0;
  let unattributed = 0;
  const fenced = new Set<string>();
  for (const entry of jsonLines(controllerLog)) {
    if (entry.msg !== 'stale lease refused') continue;
    if (wasLost(entry)) {
      controllerRefused++;
      const attempt = attemptOf(entry);
      if (attempt) fenced.add(`${attempt.jobId}:${attempt.attempt}`);
      else unattributed++;
      sample(samples.fenced, entry);
    } else {
      afterFinish++;
      sample(samples.race, entry);
    }
  }
  const stale = new Set<string>();
  const raced = new Set<string>();
  const expired = new Set<string>();
  for (const log of agentLogs) {
    for (const entry of jsonLines(log)) {
      const msg = typeof entry.msg === 'string' ? entry.msg : '';
      if (!/lease/i.test(msg) || !/lost|stale|fenc/i.test(msg)) continue;
      const key = `${String(entry.jobId)}:${String(entry.attempt)}`;
      if (entry.reason === 'expired') {
        expired.add(key);
        if (wasLost(entry)) fenced.add(key);
      } else if (!wasLost(entry)) raced.add(key);
      else {
        if (!stale.has(key)) sample(samples.fenced, entry);
        stale.add(key);
        fenced.add(key);
      }
    }
  }
  return {
    controllerRefused,
    agentStale: stale.size,
    agentExpired: expired.size,
    afterFinish: afterFinish + raced.size,
    fencedAttempts: [...fenced],
    unattributed,
    truncated: isTruncated(controllerLog) || agentLogs.some(isTruncated),
    samples: [...samples.fenced, ...samples.race],
  };
}
