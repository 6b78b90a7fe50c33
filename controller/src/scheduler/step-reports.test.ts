import { describe, expect, it } from 'vitest';
import { DomainError } from '../domain/errors.js';
import { maxStepsPerReport, mergeStepReports, type StepReportMessage } from './step-reports.js';

const entry = (stepIndex: number, state: string, extra: Partial<StepReportMessage> = {}): StepReportMessage => ({
  stepIndex,
  state,
  exitCode: 0,
  startedAtMs: 0,
  finishedAtMs: 0,
  ...extra,
});

describe('mergeStepReports', () => {
  it('keeps one entry per step: the last state, the first start', () => {
    const merged = mergeStepReports([
      entry(0, 'running', { startedAtMs: 1000 }),
      entry(0, 'failed', { exitCode: 3, finishedAtMs: 1500 }),
      entry(1, 'running', { startedAtMs: 1600, exitCode: 9 }),
    ]);
    expect(merged).toEqual([
      { stepIndex: 0, state: 'failed', exitCode: 3, startedAt: new Date(1000), finishedAt: new Date(1500) },
      { stepIndex: 1, state: 'running', exitCode: null, startedAt: new Date(1600), finishedAt: null },
    ]);
  });

  it.each([
    ['an unknown state', [entry(0, 'exploded')], 'steps[0]: unknown step state "exploded"'],
    ['a time no date can hold', [entry(0, 'running', { startedAtMs: 9e15 })], 'steps[0]: time out of range'],
    [
      'too many entries',
      Array.from({ length: maxStepsPerReport + 1 }, (_, index) => entry(index, 'running')),
      `a step report carries at most ${maxStepsPerReport} steps, got ${maxStepsPerReport + 1}`,
    ],
  ])('refuses %s', (_name, reports, message) => {
    expect(() => mergeStepReports(reports)).toThrow(new DomainError('INVALID_INPUT', message));
  });
});
