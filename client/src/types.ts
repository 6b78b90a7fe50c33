/** Names for the API's bodies, from the generated schema types. */
import type { components } from './generated/api.js';

type Schemas = components['schemas'];

export type TriggerRequest = Schemas['TriggerRequest'];
export type TriggerResponse = Schemas['TriggerResponse'];
export type RunSummary = Schemas['RunSummary'];
export type RunListEntry = Schemas['RunListEntry'];
export type RunList = Schemas['RunList'];
export type RunDetail = Schemas['RunDetail'];
export type Stage = Schemas['Stage'];
export type Job = Schemas['Job'];
export type JobAttempt = Schemas['JobAttempt'];
export type ApprovalDecision = Schemas['ApprovalDecision'];
export type DecisionResponse = Schemas['DecisionResponse'];
export type CancelResponse = Schemas['CancelResponse'];
export type RetryResponse = Schemas['RetryResponse'];
export type Artifact = Schemas['Artifact'];
export type ArtifactList = Schemas['ArtifactList'];
export type GcRequest = Schemas['GcRequest'];
export type GcReport = Schemas['GcReport'];
export type Agent = Schemas['Agent'];
export type AgentList = Schemas['AgentList'];
export type Health = Schemas['Health'];
export type Role = Schemas['Role'];
export type CreateTokenRequest = Schemas['CreateTokenRequest'];
export type CreateAgentTokenRequest = Schemas['CreateAgentTokenRequest'];
export type ProtectEnvironmentRequest = Schemas['ProtectEnvironmentRequest'];
export type Token = Schemas['Token'];
export type CreatedToken = Schemas['CreatedToken'];
export type TokenList = Schemas['TokenList'];
export type RevokedToken = Schemas['RevokedToken'];
export type Identity = Schemas['Identity'];
export type AuditAction = Schemas['AuditAction'];
export type AuditEvent = Schemas['AuditEvent'];
export type AuditList = Schemas['AuditList'];
export type ErrorBody = Schemas['Error'];

export type RunStatus = RunSummary['status'];
export type StageStatus = Stage['status'];
export type JobStatus = Job['status'];
export type AddRepositoryRequest = Schemas['AddRepositoryRequest'];
export type Repository = Schemas['Repository'];
export type RepositoryList = Schemas['RepositoryList'];
