/** The API routes the CLI calls, with every path segment encoded. */

export const runsPath = '/api/runs';

export function runPath(runId: string): string {
  return `${runsPath}/${encodeURIComponent(runId)}`;
}

export function jobLogPath(runId: string, jobId: string, attempt?: number): string {
  const query = attempt === undefined ? '' : `?attempt=${attempt}`;
  return `${runPath(runId)}/jobs/${encodeURIComponent(jobId)}/log${query}`;
}

export function stageDecisionPath(runId: string, stage: string, decision: 'approve' | 'reject'): string {
  return `${runPath(runId)}/stages/${encodeURIComponent(stage)}/${decision}`;
}
