/**
 * The events file the jobs append to (see JOB_SCRIPT): one line per
 * `start`, `tick` (after each printed line) and `end`, with wall-clock
 * nanoseconds. An attempt's execution is known to span [start, last event].
 */
import { readFile } from 'node:fs/promises';

export interface Execution {
  jobId: string;
  attempt: number;
  agent: string;
  /** Wall clock, microseconds. */
  startedAt: number;
  lastSeenAt: number;
  /** How many `start` events: more than one means the attempt ran twice. */
  starts: number;
  ended: boolean;
}

export interface EventsSummary {
  executions: Map<string, Execution>;
  /** Lines that do not parse (there should be none: each event is one short append). */
  malformed: number;
}

export const executionKey = (jobId: string, attempt: number) => `${jobId}:${attempt}`;

export async function readEvents(file: string): Promise<EventsSummary> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const executions = new Map<string, Execution>();
  let malformed = 0;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const match = /^(start|tick|end) (\S+) (\d+) (\d+) (\d{19}) (\S+)$/.exec(line);
    if (!match) {
      malformed++;
      continue;
    }
    const [, kind, jobId, attemptText, , nanos, agent] = match as unknown as string[];
    const attempt = Number(attemptText);
    const at = Number(BigInt(nanos as string) / 1000n);
    const key = executionKey(jobId as string, attempt);
    const execution = executions.get(key) ?? {
      jobId: jobId as string,
      attempt,
      agent: agent as string,
      startedAt: at,
      lastSeenAt: at,
      starts: 0,
      ended: false,
    };
    execution.startedAt = Math.min(execution.startedAt, at);
    execution.lastSeenAt = Math.max(execution.lastSeenAt, at);
    if (kind === 'start') execution.starts++;
    if (kind === 'end') execution.ended = true;
    executions.set(key, execution);
  }
  return { executions, malformed };
}
