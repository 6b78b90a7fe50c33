import { describe, expect, it } from 'vitest';
import type { JobStatus, StageStatus } from '../domain/states.js';
import { nextTransitions, type RunSnapshot, type StageSnapshot } from './transitions.js';

function stage(
  id: string,
  status: StageStatus,
  jobs: JobStatus[],
  options: { gate?: [number, number]; group?: [string, boolean] } = {},
): StageSnapshot {
  return {
    id,
    status,
    approvalsRequired: options.gate?.[0] ?? 0,
    approvalsGiven: options.gate?.[1] ?? 0,
    concurrency: options.group ? { group: options.group[0], held: options.group[1] } : null,
    jobs: jobs.map((jobStatus, index) => ({ id: `${id}-j${index}`, status: jobStatus })),
  };
}

const run = (status: RunSnapshot['status'], stages: StageSnapshot[], cancelRequested = false): RunSnapshot => ({
  status,
  cancelRequested,
  stages,
});

describe('nextTransitions: concurrency groups', () => {
  it('makes a stage whose group it does not hold wait for it and asks to acquire it', () => {
    const snapshot = run('running', [
      stage('build', 'running', ['succeeded']),
      stage('deploy', 'pending', ['pending'], { group: ['production', false] }),
    ]);
    expect(nextTransitions(snapshot)).toEqual([
      { kind: 'stage', stageId: 'build', to: 'succeeded' },
      { kind: 'stage', stageId: 'deploy', to: 'waiting_for_concurrency' },
      { kind: 'run', to: 'waiting_for_concurrency' },
      { kind: 'acquire-concurrency', stageId: 'deploy', group: 'production' },
    ]);
  });

  it('keeps asking for the group while waiting, without writing the stage again', () => {
    const snapshot = run('waiting_for_concurrency', [
      stage('deploy', 'waiting_for_concurrency', ['pending'], { group: ['production', false] }),
    ]);
    expect(nextTransitions(snapshot)).toEqual([
      { kind: 'acquire-concurrency', stageId: 'deploy', group: 'production' },
    ]);
  });

  it('starts the stage and queues its jobs once it holds the group', () => {
    const snapshot = run('waiting_for_concurrency', [
      stage('deploy', 'waiting_for_concurrency', ['pending', 'pending'], { group: ['production', true] }),
    ]);
    expect(nextTransitions(snapshot)).toEqual([
      { kind: 'stage', stageId: 'deploy', to: 'running' },
      { kind: 'queue-jobs', stageId: 'deploy', jobIds: ['deploy-j0', 'deploy-j1'] },
      { kind: 'run', to: 'running' },
    ]);
  });

  it('asks for approval before the group: an unapproved gate never waits for concurrency', () => {
    const snapshot = run('running', [
      stage('deploy', 'pending', ['pending'], { gate: [1, 0], group: ['production', false] }),
    ]);
    expect(nextTransitions(snapshot)).toEqual([
      { kind: 'stage', stageId: 'deploy', to: 'awaiting_approval' },
      { kind: 'run', to: 'awaiting_approval' },
    ]);
    const approved = run('awaiting_approval', [
      stage('deploy', 'awaiting_approval', ['pending'], { gate: [1, 1], group: ['production', false] }),
    ]);
    expect(nextTransitions(approved)).toEqual([
      { kind: 'stage', stageId: 'deploy', to: 'waiting_for_concurrency' },
      { kind: 'run', to: 'waiting_for_concurrency' },
      { kind: 'acquire-concurrency', stageId: 'deploy', group: 'production' },
    ]);
  });

  it('cancels a stage waiting for its group and skips the rest', () => {
    const snapshot = run(
      'waiting_for_concurrency',
      [
        stage('deploy', 'waiting_for_concurrency', ['canceled'], { group: ['production', false] }),
        stage('smoke', 'pending', ['pending']),
      ],
      true,
    );
    expect(nextTransitions(snapshot)).toEqual([
      { kind: 'stage', stageId: 'deploy', to: 'canceled' },
      { kind: 'stage', stageId: 'smoke', to: 'skipped' },
      { kind: 'run', to: 'canceled' },
    ]);
  });

  it('ends the run superseded when its gate was superseded', () => {
    const snapshot = run('awaiting_approval', [
      stage('deploy', 'superseded', ['pending'], { gate: [1, 0] }),
      stage('smoke', 'pending', ['pending']),
    ]);
    expect(nextTransitions(snapshot)).toEqual([
      { kind: 'stage', stageId: 'smoke', to: 'skipped' },
      { kind: 'run', to: 'superseded' },
    ]);
  });
});
