/** An artifact's bytes, which the API hands out as a redirect to a short-lived download URL. */
import type { GantryClient } from './client.js';
import { toApiError } from './errors.js';

export interface ArtifactRequest {
  runId: string;
  artifactId: string;
  signal?: AbortSignal | undefined;
}

/**
 * The short-lived URL the API redirects to, not followed: fetch it without
 * the API token (it is a presigned URL of the store, good for this file only).
 * Throws GantryApiError for an error status (unknown run or artifact).
 */
export async function artifactDownloadUrl(client: GantryClient, request: ArtifactRequest): Promise<string> {
  const { error, response } = await client.GET('/api/runs/{id}/artifacts/{artifactId}', {
    params: { path: { id: request.runId, artifactId: request.artifactId } },
    redirect: 'manual',
    ...(request.signal ? { signal: request.signal } : {}),
  });
  const location = response.headers.get('location');
  if (response.status !== 302 || !location) {
    throw toApiError(response, error, `GET artifact ${request.artifactId} of run ${request.runId}`);
  }
  return new URL(location, response.url || undefined).toString();
}
