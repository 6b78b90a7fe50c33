/** @gantry/client: the typed client of the Gantry HTTP API, used by the CLI, the tests and the bench. */
export { type ArtifactRequest, artifactDownloadUrl } from './artifacts.js';
export { createGantryClient, type GantryClient, type GantryClientOptions } from './client.js';
export { type CallResult, GantryApiError, toApiError, unwrap } from './errors.js';
export type { components, operations, paths } from './generated/api.js';
export { type JobLogRequest, openJobLog, readJobLog } from './job-log.js';
export type * from './types.js';
