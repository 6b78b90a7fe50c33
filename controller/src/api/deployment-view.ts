/** A deployment as the API answers it (dates as ISO 8601). */
import type { Deployment } from '../store/deployments-repository.js';

export function deploymentView(deployment: Deployment) {
  return {
    ...deployment,
    createdAt: deployment.createdAt.toISOString(),
    finishedAt: deployment.finishedAt?.toISOString() ?? null,
  };
}
