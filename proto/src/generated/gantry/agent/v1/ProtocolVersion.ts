// Original file: gantry/agent/v1/agent.proto

/**
 * The version of this file. Bumped on any incompatible change.
 * 2: ReportSteps (batched) replaced ReportStep; ClaimJobResponse.max_log_bytes.
 * 3: artifact calls; JobSpec.artifacts, artifacts_when, needs_artifacts.
 * 4: Enrol; every call after it carries the agent's own credential; cache calls; JobSpec.caches.
 */
export const ProtocolVersion = {
  PROTOCOL_VERSION_UNSPECIFIED: 'PROTOCOL_VERSION_UNSPECIFIED',
  PROTOCOL_VERSION_CURRENT: 'PROTOCOL_VERSION_CURRENT',
} as const;

/**
 * The version of this file. Bumped on any incompatible change.
 * 2: ReportSteps (batched) replaced ReportStep; ClaimJobResponse.max_log_bytes.
 * 3: artifact calls; JobSpec.artifacts, artifacts_when, needs_artifacts.
 * 4: Enrol; every call after it carries the agent's own credential; cache calls; JobSpec.caches.
 */
export type ProtocolVersion =
  | 'PROTOCOL_VERSION_UNSPECIFIED'
  | 0
  | 'PROTOCOL_VERSION_CURRENT'
  | 4

/**
 * The version of this file. Bumped on any incompatible change.
 * 2: ReportSteps (batched) replaced ReportStep; ClaimJobResponse.max_log_bytes.
 * 3: artifact calls; JobSpec.artifacts, artifacts_when, needs_artifacts.
 * 4: Enrol; every call after it carries the agent's own credential; cache calls; JobSpec.caches.
 */
export type ProtocolVersion__Output = typeof ProtocolVersion[keyof typeof ProtocolVersion]
