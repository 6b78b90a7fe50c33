import { describe, expect, it } from 'vitest';
import type { JobView, RunDetail } from './api-types.js';
import { describeProgress } from './progress.js';
import { jobView, runDetail, stageView } from './view-fixtures.js';

function job(status: JobView['status'], attempt = 1): JobView {
  return jobView({ id: 'j1', name: 'compile', status, attempt });
}

function run(status: RunDetail['status'], jobStatus: JobView['status'], attempt = 1): RunDetail {
  return runDetail({
    id: 'r1',
    status,
    stages: [stageView({ name: 'build', status: 'running', jobs: [job(jobStatus, attempt)] })],
  });
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

  it('says which run holds the concurrency group a stage waits for', () => {
    const waiting = runDetail({
      id: 'r2',
      status: 'waiting_for_concurrency',
      stages: [
        stageView({
          name: 'deploy',
          status: 'waiting_for_concurrency',
          concurrency: { group: 'production', waitingFor: { runId: 'r1', stage: 'deploy' } },
          jobs: [],
        }),
      ],
    });
    expect(describeProgress({ status: 'running', stages: [] }, waiting)).toEqual([
      '  deploy  waiting_for_concurrency  (group production, held by run r1)',
    ]);
  });

  it('announces a non-pending stage and its jobs the first time they are seen', () => {
    expect(describeProgress({ status: 'queued', stages: [] }, run('running', 'running'))).toEqual([
      'run r1 running',
      '  build          running',
      '  build/compile  running',
    ]);
  });
});
