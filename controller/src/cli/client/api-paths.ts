/** The API routes the CLI calls, with every path segment encoded. */

export const runsPath = '/api/runs';

export function runPath(runId: string): string {
  return `${runsPath}/${encodeURIComponent(runId)}`;
}

export function jobLogPath(runId: string, jobId: string, attempt?: number, follow = false): string {
  const params = new URLSearchParams();
  if (attempt !== undefined) params.set('attempt', String(attempt));
  if (follow) params.set('follow', '1');
  const query = params.size === 0 ? '' : `?${params}`;
  return `${runPath(runId)}/jobs/${encodeURIComponent(jobId)}/log${query}`;
}

export function stageDecisionPath(runId: string, stage: string, decision: 'approve' | 'reject'): string {
  return `${runPath(runId)}/stages/${encodeURIComponent(stage)}/${decision}`;
}

export const agentsPath = '/api/agents';

export function agentDrainPath(agentId: string): string {
  return `${agentsPath}/${encodeURIComponent(agentId)}/drain`;
}

export const tokensPath = '/api/tokens';

export function tokenPath(name: string): string {
  return `${tokensPath}/${encodeURIComponent(name)}`;
}

export const mePath = '/api/me';
