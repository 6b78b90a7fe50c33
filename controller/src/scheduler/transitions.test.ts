import { describe, expect, it } from 'vitest';
import type { JobStatus, StageStatus } from '../domain/states.js';
import { nextTransitions, type RunSnapshot, type StageSnapshot, stageOutcome } from './transitions.js';

function stage(id: string, status: StageStatus, jobs: JobStatus[], gate?: [number, number]): StageSnapshot {
  return {
    id,
    status,
    approvalsRequired: gate?.[0] ?? 0,
    approvalsGiven: gate?.[1] ?? 0,
    jobs: jobs.map((jobStatus, index) => ({ id: `${id}-j${index}`, status: jobStatus })),
  };
}

describe('nextTransitions', () => {
  it('starts the first stage of a freshly planned run and queues all its jobs', () => {
    const run: RunSnapshot = {
      status: 'queued',
      cancelRequested: false,
      stages: [stage('build', 'pending', ['pending', 'pending']), stage('test', 'pending', ['pending'])],
    };
    expect(nextTransitions(run)).toEqual([
      { kind: 'stage', stageId: 'build', to: 'running' },
      { kind: 'queue-jobs', stageId: 'build', jobIds: ['build-j0', 'build-j1'] },
      { kind: 'run', to: 'running' },
    ]);
  });

  it('waits while any job of the running stage is unfinished', () => {
    const run: RunSnapshot = {
      status: 'running',
      cancelRequested: false,
      stages: [stage('test', 'running', ['succeeded', 'running', 'failed']), stage('deploy', 'pending', ['pending'])],
    };
    expect(nextTransitions(run)).toEqual([]);
  });

  it('moves to the next stage when every job succeeded', () => {
    const run: RunSnapshot = {
      status: 'running',
      cancelRequested: false,
      stages: [stage('build', 'running', ['succeeded']), stage('test', 'pending', ['pending', 'pending'])],
    };
    expect(nextTransitions(run)).toEqual([
      { kind: 'stage', stageId: 'build', to: 'succeeded' },
      { kind: 'stage', stageId: 'test', to: 'running' },
      { kind: 'queue-jobs', stageId: 'test', jobIds: ['test-j0', 'test-j1'] },
    ]);
  });

  it('fails the stage and the run and skips every later stage when a job failed', () => {
    const run: RunSnapshot = {
      status: 'running',
      cancelRequested: false,
      stages: [
        stage('build', 'succeeded', ['succeeded']),
        stage('test', 'running', ['succeeded', 'failed']),
        stage('staging', 'pending', ['pending']),
        stage('production', 'pending', ['pending'], [1, 0]),
      ],
    };
    expect(nextTransitions(run)).toEqual([
      { kind: 'stage', stageId: 'test', to: 'failed' },
      { kind: 'stage', stageId: 'staging', to: 'skipped' },
      { kind: 'stage', stageId: 'production', to: 'skipped' },
      { kind: 'run', to: 'failed' },
    ]);
  });

  it('holds an approval stage in awaiting_approval and the run with it', () => {
    const run: RunSnapshot = {
      status: 'running',
      cancelRequested: false,
      stages: [stage('staging', 'running', ['succeeded']), stage('production', 'pending', ['pending'], [1, 0])],
    };
    expect(nextTransitions(run)).toEqual([
      { kind: 'stage', stageId: 'staging', to: 'succeeded' },
      { kind: 'stage', stageId: 'production', to: 'awaiting_approval' },
      { kind: 'run', to: 'awaiting_approval' },
    ]);
  });

  it('stays put until enough distinct approvers approved', () => {
    const run: RunSnapshot = {
      status: 'awaiting_approval',
      cancelRequested: false,
      stages: [
        stage('staging', 'succeeded', ['succeeded']),
        stage('production', 'awaiting_approval', ['pending'], [2, 1]),
      ],
    };
    expect(nextTransitions(run)).toEqual([]);
  });

  it('starts the gated stage once approved and puts the run back to running', () => {
    const run: RunSnapshot = {
      status: 'awaiting_approval',
      cancelRequested: false,
      stages: [
        stage('staging', 'succeeded', ['succeeded']),
        stage('production', 'awaiting_approval', ['pending'], [1, 1]),
      ],
    };
    expect(nextTransitions(run)).toEqual([
      { kind: 'stage', stageId: 'production', to: 'running' },
      { kind: 'queue-jobs', stageId: 'production', jobIds: ['production-j0'] },
      { kind: 'run', to: 'running' },
    ]);
  });

  it('succeeds the run when the last stage succeeded', () => {
    const run: RunSnapshot = {
      status: 'running',
      cancelRequested: false,
      stages: [stage('build', 'succeeded', ['succeeded']), stage('production', 'running', ['succeeded'])],
    };
    expect(nextTransitions(run)).toEqual([
      { kind: 'stage', stageId: 'production', to: 'succeeded' },
      { kind: 'run', to: 'succeeded' },
    ]);
  });

  it('ends a rejected gate as a rejected run', () => {
    const run: RunSnapshot = {
      status: 'awaiting_approval',
      cancelRequested: false,
      stages: [stage('staging', 'succeeded', ['succeeded']), stage('production', 'rejected', ['pending'], [1, 0])],
    };
    expect(nextTransitions(run)).toEqual([{ kind: 'run', to: 'rejected' }]);
  });

  it('changes nothing on a finished run', () => {
    expect(
      nextTransitions({
        status: 'succeeded',
        cancelRequested: false,
        stages: [stage('a', 'succeeded', ['succeeded'])],
      }),
    ).toEqual([]);
  });
});

describe('nextTransitions after a cancel request', () => {
  it('waits for running jobs to stop before ending anything', () => {
    const run: RunSnapshot = {
      status: 'running',
      cancelRequested: true,
      stages: [stage('test', 'running', ['running', 'canceled']), stage('deploy', 'pending', ['canceled'])],
    };
    expect(nextTransitions(run)).toEqual([]);
  });

  it('cancels the stage (even with a failed job), skips later stages and cancels the run', () => {
    const run: RunSnapshot = {
      status: 'running',
      cancelRequested: true,
      stages: [
        stage('build', 'succeeded', ['succeeded']),
        stage('test', 'running', ['failed', 'canceled']),
        stage('deploy', 'pending', ['canceled']),
      ],
    };
    expect(nextTransitions(run)).toEqual([
      { kind: 'stage', stageId: 'test', to: 'canceled' },
      { kind: 'stage', stageId: 'deploy', to: 'skipped' },
      { kind: 'run', to: 'canceled' },
    ]);
  });

  it('cancels a stage waiting at the approval gate', () => {
    const run: RunSnapshot = {
      status: 'awaiting_approval',
      cancelRequested: true,
      stages: [
        stage('staging', 'succeeded', ['succeeded']),
        stage('production', 'awaiting_approval', ['canceled'], [1, 0]),
      ],
    };
    expect(nextTransitions(run)).toEqual([
      { kind: 'stage', stageId: 'production', to: 'canceled' },
      { kind: 'run', to: 'canceled' },
    ]);
  });
});

describe('stageOutcome', () => {
  it.each<[JobStatus[], StageStatus]>([
    [['succeeded', 'succeeded'], 'succeeded'],
    [['succeeded', 'failed'], 'failed'],
    [['timed_out', 'succeeded'], 'failed'],
    [['canceled', 'succeeded'], 'canceled'],
    [['canceled', 'failed'], 'failed'],
  ])('%j → %s', (statuses, expected) => {
    expect(stageOutcome(statuses)).toBe(expected);
  });
});
