/**
 * Complete API views for the CLI's tests, typed by the generated contract: a
 * test names only the fields it cares about, and a field the API adds or
 * renames fails to compile here instead of drifting unnoticed.
 */
import type { JobView, RunDetail, StageView } from './api-types.js';

export function jobView(fields: Partial<JobView> & Pick<JobView, 'id' | 'name' | 'status'>): JobView {
  return {
    queue: 'default',
    attempt: 1,
    agentId: null,
    exitCode: null,
    message: null,
    queuedAt: null,
    startedAt: null,
    finishedAt: null,
    attempts: [],
    caches: [],
    ...fields,
  };
}

export function stageView(fields: Partial<StageView> & Pick<StageView, 'name' | 'status' | 'jobs'>): StageView {
  return {
    environment: null,
    approval: null,
    concurrency: null,
    skipReason: null,
    startedAt: null,
    finishedAt: null,
    ...fields,
  };
}

export function runDetail(fields: Partial<RunDetail> & Pick<RunDetail, 'id' | 'status' | 'stages'>): RunDetail {
  return {
    repo: '/srv/app',
    ref: 'main',
    fullRef: 'refs/heads/main',
    sha: null,
    commitSubject: null,
    commitAuthor: null,
    pipeline: null,
    error: null,
    triggeredBy: 'admin',
    cancelRequested: false,
    url: `http://gantry.test/runs/${fields.id}`,
    createdAt: '2024-05-01T12:00:00.000Z',
    startedAt: null,
    finishedAt: null,
    ...fields,
  };
}
