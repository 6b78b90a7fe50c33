import { describe, expect, it } from 'vitest';
import type { JobView, RunDetail } from './api-types.js';
import { describeProgress } from './progress.js';

function job(status: JobView['status'], attempt = 1): JobView {
  return { id: 'j1', name: 'compile', status, attempt, exitCode: null, startedAt: null, finishedAt: null };
}

function run(status: RunDetail['status'], jobStatus: JobView['status'], attempt = 1): RunDetail {
  return {
    id: 'r1',
    status,
    repo: '/srv/app',
    ref: 'main',
    sha: null,
    error: null,
    createdAt: '2024-05-01T12:00:00.000Z',
    startedAt: null,
    finishedAt: null,
    stages: [{ name: 'build', status: 'running', environment: null, jobs: [job(jobStatus, attempt)] }],
  };
}

describe('describeProgress', () => {
  it.each([
    ['nothing changed', run('running', 'running'), run('running', 'running'), []],
    ['the run is picked up', run('queued', 'pending'), run('running', 'pending'), ['run r1 running']],
    [
      'a job is retried',
      run('running', 'running'),
      run('running', 'queued', 2),
      ['  build/compile  queued     attempt 2'],
    ],
    ['a job times out', run('running', 'running'), run('running', 'timed_out'), ['  build/compile  timed_out']],
    ['the run ends (left to the caller)', run('running', 'canceled'), run('canceled', 'canceled'), []],
  ])('%s', (_, previous, next, lines) => {
    expect(describeProgress(previous, next)).toEqual(lines);
  });

  it('announces a non-pending stage and its jobs the first time they are seen', () => {
    expect(describeProgress({ status: 'queued', stages: [] }, run('running', 'running'))).toEqual([
      'run r1 running',
      '  build          running',
      '  build/compile  running',
    ]);
  });
});
