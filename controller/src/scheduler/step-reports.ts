/**
 * Step reports as agents send them (ReportSteps): checked, and merged to one
 * entry per step so a batch is one statement. Pure.
 */
import { DomainError } from '../domain/errors.js';

export const stepStates = ['running', 'succeeded', 'failed', 'timed_out', 'canceled'] as const;
export type StepState = (typeof stepStates)[number];

/** The protocol's bound on entries per ReportSteps call. */
export const maxStepsPerReport = 1000;

/** One entry as it comes off the wire (times in ms since the epoch on the agent's clock; 0 = not given). */
export interface StepReportMessage {
  stepIndex: number;
  state: string;
  exitCode: number;
  startedAtMs: number;
  finishedAtMs: number;
}

/** One step's news, ready to store. */
export interface StepReportInput {
  stepIndex: number;
  state: StepState;
  /** null while the step runs. */
  exitCode: number | null;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/** Largest time a Date holds (ms since the epoch). */
const maxDateMs = 8.64e15;

/**
 * Checks every entry (state known, times representable, at most
 * maxStepsPerReport) and merges entries of the same step: the last state
 * wins, the earliest start is kept. Throws DomainError INVALID_INPUT naming
 * the first bad entry.
 */
export function mergeStepReports(reports: StepReportMessage[]): StepReportInput[] {
  if (reports.length > maxStepsPerReport) {
    throw new DomainError(
      'INVALID_INPUT',
      `a step report carries at most ${maxStepsPerReport} steps, got ${reports.length}`,
    );
  }
  const merged = new Map<number, StepReportInput>();
  reports.forEach((report, index) => {
    if (!stepStates.includes(report.state as StepState)) {
      throw new DomainError('INVALID_INPUT', `steps[${index}]: unknown step state "${report.state}"`);
    }
    if (report.startedAtMs > maxDateMs || report.finishedAtMs > maxDateMs) {
      throw new DomainError('INVALID_INPUT', `steps[${index}]: time out of range`);
    }
    const state = report.state as StepState;
    const entry: StepReportInput = {
      stepIndex: report.stepIndex,
      state,
      exitCode: state === 'running' ? null : report.exitCode,
      startedAt: report.startedAtMs > 0 ? new Date(report.startedAtMs) : null,
      finishedAt: state !== 'running' && report.finishedAtMs > 0 ? new Date(report.finishedAtMs) : null,
    };
    const earlier = merged.get(report.stepIndex);
    if (earlier) {
      entry.startedAt = earlier.startedAt ?? entry.startedAt;
      if (entry.exitCode === null) entry.exitCode = earlier.exitCode;
      if (entry.finishedAt === null) entry.finishedAt = earlier.finishedAt;
    }
    merged.set(report.stepIndex, entry);
  });
  return [...merged.values()];
}
