/** `gantry trigger --follow`: poll a run, print its transitions, end on its outcome. */
import { setTimeout as delay } from 'node:timers/promises';
import { isTerminalRun, type RunStatus } from '../../domain/states.js';
import { type ApiClient, ApiError, ApiUnreachableError } from './api-client.js';
import type { RunDetail } from './api-types.js';
import { renderBoard } from './board.js';
import { exitCodes } from './command.js';
import { printable, printableLines, shellWord } from './format.js';
import type { CliIo } from './io.js';
import { describeProgress, jobLabel, type RunProgress } from './progress.js';
import { TerminalFilter } from './terminal-filter.js';
import { printTestSummary } from './test-summary.js';

export const logTailLines = 20;

export interface FollowOptions {
  /** The status the caller already printed, so it is not announced again. */
  initialStatus: RunStatus;
  /** Keep following through approvals instead of exiting 0 at the first one. */
  waitForApproval: boolean;
  pollIntervalMs: number;
}

/**
 * Polls `GET /api/runs/:id` until the run ends (or waits for an approval and
 * `waitForApproval` is off). On a terminal (`io.terminal`) it redraws a board
 * of every stage and job in place; otherwise it prints one line per change.
 * Exit code: 0 succeeded, 1 failed/canceled/rejected, 2 awaiting approval,
 * 130 when `io.signal` aborts (the run itself goes on).
 */
export async function followRun(api: ApiClient, runId: string, io: CliIo, options: FollowOptions): Promise<number> {
  let previous: RunProgress = { status: options.initialStatus, stages: [] };
  const announcedApprovals = new Set<string>();
  const board = io.terminal ? createBoardWriter(io) : null;
  try {
    for (;;) {
      const run = printableRun(await api.getRun(runId));
      if (board) board.draw(run);
      else for (const line of describeProgress(previous, run)) io.stdout(`${line}\n`);
      if (isTerminalRun(run.status)) return await reportOutcome(api, run, io);
      if (run.status === 'awaiting_approval') {
        // Announced lines sit below the board: the next one is drawn under them.
        if (announceApprovals(run, announcedApprovals, io)) board?.detach();
        if (!options.waitForApproval) return exitCodes.awaitingApproval;
      }
      previous = run;
      await delay(options.pollIntervalMs, undefined, { signal: io.signal });
    }
  } catch (error) {
    if (!io.signal?.aborted) throw error;
    io.stderr(`stopped following run ${runId}; it goes on without you (see "gantry runs")\n`);
    return exitCodes.interrupted;
  }
}

/** Redraws the board in place: moves up over the lines it drew last time and clears them. */
function createBoardWriter(io: CliIo) {
  let drawnLines = 0;
  let frame = 0;
  return {
    draw(run: RunDetail) {
      const lines = renderBoard(run, { frame: frame++, nowMs: Date.now(), color: io.color === true });
      const erase = drawnLines > 0 ? `\x1b[${drawnLines}A\x1b[0J` : '';
      io.stdout(`${erase}${lines.join('\n')}\n`);
      drawnLines = lines.length;
    },
    detach() {
      drawnLines = 0;
    },
  };
}

/** Prints how to approve each stage newly waiting; true when it printed anything. */
function announceApprovals(run: RunDetail, announced: Set<string>, io: CliIo): boolean {
  const before = announced.size;
  const waiting = run.stages.filter((stage) => stage.status === 'awaiting_approval');
  if (waiting.length === 0 && announced.size === 0) {
    announced.add('');
    io.stdout(`run ${run.id} is waiting for approval\n`);
  }
  for (const stage of waiting) {
    if (announced.has(stage.name)) continue;
    announced.add(stage.name);
    io.stdout(
      `waiting for approval of stage "${stage.name}": gantry approve ${run.id} --stage ${shellWord(stage.name)}\n`,
    );
  }
  return announced.size > before;
}

async function reportOutcome(api: ApiClient, run: RunDetail, io: CliIo): Promise<number> {
  io.stdout(`run ${run.id} ${run.status}\n`);
  if (run.status === 'succeeded') {
    await printTestSummary(api, run.id, io);
    return exitCodes.ok;
  }
  if (run.error) {
    for (const line of run.error.trimEnd().split('\n')) io.stdout(`  ${line}\n`);
  }
  for (const stage of run.stages) {
    for (const job of stage.jobs) {
      if (job.status !== 'failed' && job.status !== 'timed_out') continue;
      io.stdout(
        `--- ${jobLabel(stage, job)} ${job.status}, attempt ${job.attempt}: last ${logTailLines} log lines ---\n`,
      );
      const tail = await readLogTail(api, run.id, job.id, job.attempt);
      io.stdout(io.terminal ? forTerminal(tail, io) : tail);
    }
  }
  await printTestSummary(api, run.id, io);
  return exitCodes.failure;
}

/**
 * The log's last lines, newline-terminated, read as a stream that keeps only a
 * bounded tail (a failed job's log may be huge); a log that cannot be read
 * becomes a note, not a failure.
 */
async function readLogTail(api: ApiClient, runId: string, jobId: string, attempt: number): Promise<string> {
  const maxTailBytes = 64 * 1024;
  let tail = Buffer.alloc(0);
  try {
    await api.streamJobLog(
      { runId, jobId, attempt },
      async (chunk) => {
        tail = Buffer.concat([tail, chunk]);
        if (tail.length > maxTailBytes) tail = tail.subarray(tail.length - maxTailBytes);
      },
      { idleTimeout: true },
    );
  } catch (error) {
    if (error instanceof ApiError || error instanceof ApiUnreachableError)
      return `(log unavailable: ${error.message})\n`;
    throw error;
  }
  const lines = tail.toString('utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  if (lines.length === 0) return '(empty log)\n';
  return `${lines.slice(-logTailLines).join('\n')}\n`;
}

/**
 * The run with what its pusher wrote (names, the pipeline's, the skip reasons
 * and the run's error, which may quote the pipeline file) made printable:
 * the board, the progress lines and the outcome show them.
 */
function printableRun(run: RunDetail): RunDetail {
  return {
    ...run,
    pipeline: run.pipeline === null ? null : printable(run.pipeline),
    error: run.error === null ? null : printableLines(run.error),
    stages: run.stages.map((stage) => ({
      ...stage,
      name: printable(stage.name),
      environment: stage.environment === null ? null : printable(stage.environment),
      skipReason: stage.skipReason === null ? null : printable(stage.skipReason),
      concurrency:
        stage.concurrency === null ? null : { ...stage.concurrency, group: printable(stage.concurrency.group) },
      jobs: stage.jobs.map((job) => ({ ...job, name: printable(job.name) })),
    })),
  };
}

/** A job's output on a terminal: only text and colours (see TerminalFilter), as `gantry logs` shows it. */
function forTerminal(text: string, io: CliIo): string {
  const filter = new TerminalFilter({ keepColor: io.color === true });
  return Buffer.from(filter.write(Buffer.from(text, 'utf8'))).toString('utf8');
}
