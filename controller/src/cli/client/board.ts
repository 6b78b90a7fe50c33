/**
 * Pure: the live board `gantry trigger --follow` redraws on a terminal, one
 * line per stage and job with a status symbol, the duration so far and a
 * spinner on running jobs.
 */
import type { JobView, RunDetail, StageView } from './api-types.js';
import { paintStatus } from './colors.js';
import { formatDuration } from './format.js';

const spinnerFrames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

const symbols: Record<string, string> = {
  pending: '·',
  queued: '○',
  awaiting_approval: '⏸',
  succeeded: '✓',
  failed: '✗',
  timed_out: '✗',
  rejected: '✗',
  canceled: '⊘',
  skipped: '–',
};

export interface BoardOptions {
  /** Advances the spinner: one step per redraw. */
  frame: number;
  /** The clock the durations of running stages and jobs count to. */
  nowMs: number;
  color: boolean;
}

export function renderBoard(run: RunDetail, options: BoardOptions): string[] {
  const lines = [
    `run ${run.id}  ${paintStatus(run.status, run.status, options.color)}  ${run.pipeline ?? ''}`.trimEnd(),
  ];
  const width = Math.max(
    0,
    ...run.stages.flatMap((stage) => [stage.name.length, ...stage.jobs.map((j) => j.name.length + 2)]),
  );
  for (const stage of run.stages) {
    lines.push(row(stage.name, stage.status, stage, width, options) + skipped(stage));
    for (const job of stage.jobs) lines.push(`  ${row(job.name, job.status, job, width - 2, options)}${attempt(job)}`);
  }
  return lines;
}

function row(
  label: string,
  status: string,
  timed: Pick<StageView, 'startedAt' | 'finishedAt'>,
  width: number,
  options: BoardOptions,
): string {
  const symbol =
    status === 'running' ? (spinnerFrames[options.frame % spinnerFrames.length] ?? '*') : (symbols[status] ?? '?');
  const duration = durationOf(timed, options.nowMs);
  const word = paintStatus(status.padEnd('awaiting_approval'.length), status, options.color);
  return `${symbol} ${label.padEnd(width)}  ${word}  ${duration}`.trimEnd();
}

function durationOf(timed: Pick<StageView, 'startedAt' | 'finishedAt'>, nowMs: number): string {
  if (timed.startedAt === null) return '';
  const end = timed.finishedAt === null ? nowMs : Date.parse(timed.finishedAt);
  const ms = end - Date.parse(timed.startedAt);
  return Number.isNaN(ms) ? '' : formatDuration(ms);
}

function skipped(stage: StageView): string {
  return stage.status === 'skipped' && stage.skipReason ? `  (${stage.skipReason})` : '';
}

function attempt(job: JobView): string {
  return job.attempt > 1 ? `  attempt ${job.attempt}` : '';
}
