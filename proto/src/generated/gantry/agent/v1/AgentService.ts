// Original file: gantry/agent/v1/agent.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ClaimJobRequest as _gantry_agent_v1_ClaimJobRequest, ClaimJobRequest__Output as _gantry_agent_v1_ClaimJobRequest__Output } from '../../../gantry/agent/v1/ClaimJobRequest.js';
import type { ClaimJobResponse as _gantry_agent_v1_ClaimJobResponse, ClaimJobResponse__Output as _gantry_agent_v1_ClaimJobResponse__Output } from '../../../gantry/agent/v1/ClaimJobResponse.js';
import type { CommitArtifactsRequest as _gantry_agent_v1_CommitArtifactsRequest, CommitArtifactsRequest__Output as _gantry_agent_v1_CommitArtifactsRequest__Output } from '../../../gantry/agent/v1/CommitArtifactsRequest.js';
import type { CommitArtifactsResponse as _gantry_agent_v1_CommitArtifactsResponse, CommitArtifactsResponse__Output as _gantry_agent_v1_CommitArtifactsResponse__Output } from '../../../gantry/agent/v1/CommitArtifactsResponse.js';
import type { CommitCacheRequest as _gantry_agent_v1_CommitCacheRequest, CommitCacheRequest__Output as _gantry_agent_v1_CommitCacheRequest__Output } from '../../../gantry/agent/v1/CommitCacheRequest.js';
import type { CommitCacheResponse as _gantry_agent_v1_CommitCacheResponse, CommitCacheResponse__Output as _gantry_agent_v1_CommitCacheResponse__Output } from '../../../gantry/agent/v1/CommitCacheResponse.js';
import type { ConnectRequest as _gantry_agent_v1_ConnectRequest, ConnectRequest__Output as _gantry_agent_v1_ConnectRequest__Output } from '../../../gantry/agent/v1/ConnectRequest.js';
import type { ControllerEvent as _gantry_agent_v1_ControllerEvent, ControllerEvent__Output as _gantry_agent_v1_ControllerEvent__Output } from '../../../gantry/agent/v1/ControllerEvent.js';
import type { CreateArtifactUploadsRequest as _gantry_agent_v1_CreateArtifactUploadsRequest, CreateArtifactUploadsRequest__Output as _gantry_agent_v1_CreateArtifactUploadsRequest__Output } from '../../../gantry/agent/v1/CreateArtifactUploadsRequest.js';
import type { CreateArtifactUploadsResponse as _gantry_agent_v1_CreateArtifactUploadsResponse, CreateArtifactUploadsResponse__Output as _gantry_agent_v1_CreateArtifactUploadsResponse__Output } from '../../../gantry/agent/v1/CreateArtifactUploadsResponse.js';
import type { CreateCacheUploadRequest as _gantry_agent_v1_CreateCacheUploadRequest, CreateCacheUploadRequest__Output as _gantry_agent_v1_CreateCacheUploadRequest__Output } from '../../../gantry/agent/v1/CreateCacheUploadRequest.js';
import type { CreateCacheUploadResponse as _gantry_agent_v1_CreateCacheUploadResponse, CreateCacheUploadResponse__Output as _gantry_agent_v1_CreateCacheUploadResponse__Output } from '../../../gantry/agent/v1/CreateCacheUploadResponse.js';
import type { EnrolRequest as _gantry_agent_v1_EnrolRequest, EnrolRequest__Output as _gantry_agent_v1_EnrolRequest__Output } from '../../../gantry/agent/v1/EnrolRequest.js';
import type { EnrolResponse as _gantry_agent_v1_EnrolResponse, EnrolResponse__Output as _gantry_agent_v1_EnrolResponse__Output } from '../../../gantry/agent/v1/EnrolResponse.js';
import type { FinishJobRequest as _gantry_agent_v1_FinishJobRequest, FinishJobRequest__Output as _gantry_agent_v1_FinishJobRequest__Output } from '../../../gantry/agent/v1/FinishJobRequest.js';
import type { FinishJobResponse as _gantry_agent_v1_FinishJobResponse, FinishJobResponse__Output as _gantry_agent_v1_FinishJobResponse__Output } from '../../../gantry/agent/v1/FinishJobResponse.js';
import type { GetArtifactDownloadsRequest as _gantry_agent_v1_GetArtifactDownloadsRequest, GetArtifactDownloadsRequest__Output as _gantry_agent_v1_GetArtifactDownloadsRequest__Output } from '../../../gantry/agent/v1/GetArtifactDownloadsRequest.js';
import type { GetArtifactDownloadsResponse as _gantry_agent_v1_GetArtifactDownloadsResponse, GetArtifactDownloadsResponse__Output as _gantry_agent_v1_GetArtifactDownloadsResponse__Output } from '../../../gantry/agent/v1/GetArtifactDownloadsResponse.js';
import type { GetCacheDownloadRequest as _gantry_agent_v1_GetCacheDownloadRequest, GetCacheDownloadRequest__Output as _gantry_agent_v1_GetCacheDownloadRequest__Output } from '../../../gantry/agent/v1/GetCacheDownloadRequest.js';
import type { GetCacheDownloadResponse as _gantry_agent_v1_GetCacheDownloadResponse, GetCacheDownloadResponse__Output as _gantry_agent_v1_GetCacheDownloadResponse__Output } from '../../../gantry/agent/v1/GetCacheDownloadResponse.js';
import type { HeartbeatRequest as _gantry_agent_v1_HeartbeatRequest, HeartbeatRequest__Output as _gantry_agent_v1_HeartbeatRequest__Output } from '../../../gantry/agent/v1/HeartbeatRequest.js';
import type { HeartbeatResponse as _gantry_agent_v1_HeartbeatResponse, HeartbeatResponse__Output as _gantry_agent_v1_HeartbeatResponse__Output } from '../../../gantry/agent/v1/HeartbeatResponse.js';
import type { LogChunk as _gantry_agent_v1_LogChunk, LogChunk__Output as _gantry_agent_v1_LogChunk__Output } from '../../../gantry/agent/v1/LogChunk.js';
import type { RegisterRequest as _gantry_agent_v1_RegisterRequest, RegisterRequest__Output as _gantry_agent_v1_RegisterRequest__Output } from '../../../gantry/agent/v1/RegisterRequest.js';
import type { RegisterResponse as _gantry_agent_v1_RegisterResponse, RegisterResponse__Output as _gantry_agent_v1_RegisterResponse__Output } from '../../../gantry/agent/v1/RegisterResponse.js';
import type { ReportCachesRequest as _gantry_agent_v1_ReportCachesRequest, ReportCachesRequest__Output as _gantry_agent_v1_ReportCachesRequest__Output } from '../../../gantry/agent/v1/ReportCachesRequest.js';
import type { ReportCachesResponse as _gantry_agent_v1_ReportCachesResponse, ReportCachesResponse__Output as _gantry_agent_v1_ReportCachesResponse__Output } from '../../../gantry/agent/v1/ReportCachesResponse.js';
import type { ReportStepsRequest as _gantry_agent_v1_ReportStepsRequest, ReportStepsRequest__Output as _gantry_agent_v1_ReportStepsRequest__Output } from '../../../gantry/agent/v1/ReportStepsRequest.js';
import type { ReportStepsResponse as _gantry_agent_v1_ReportStepsResponse, ReportStepsResponse__Output as _gantry_agent_v1_ReportStepsResponse__Output } from '../../../gantry/agent/v1/ReportStepsResponse.js';
import type { StreamLogsResponse as _gantry_agent_v1_StreamLogsResponse, StreamLogsResponse__Output as _gantry_agent_v1_StreamLogsResponse__Output } from '../../../gantry/agent/v1/StreamLogsResponse.js';
import type { WorkReply as _gantry_agent_v1_WorkReply, WorkReply__Output as _gantry_agent_v1_WorkReply__Output } from '../../../gantry/agent/v1/WorkReply.js';
import type { WorkRequest as _gantry_agent_v1_WorkRequest, WorkRequest__Output as _gantry_agent_v1_WorkRequest__Output } from '../../../gantry/agent/v1/WorkRequest.js';

export interface AgentServiceClient extends grpc.Client {
  /**
   * Claims one attempt of a job. Never an error for "already taken": the
   * answer says granted=false with a reason, and the agent terms the message.
   */
  ClaimJob(argument: _gantry_agent_v1_ClaimJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_ClaimJobResponse__Output>): grpc.ClientUnaryCall;
  ClaimJob(argument: _gantry_agent_v1_ClaimJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gantry_agent_v1_ClaimJobResponse__Output>): grpc.ClientUnaryCall;
  ClaimJob(argument: _gantry_agent_v1_ClaimJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_ClaimJobResponse__Output>): grpc.ClientUnaryCall;
  ClaimJob(argument: _gantry_agent_v1_ClaimJobRequest, callback: grpc.requestCallback<_gantry_agent_v1_ClaimJobResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Claims one attempt of a job. Never an error for "already taken": the
   * answer says granted=false with a reason, and the agent terms the message.
   */
  claimJob(argument: _gantry_agent_v1_ClaimJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_ClaimJobResponse__Output>): grpc.ClientUnaryCall;
  claimJob(argument: _gantry_agent_v1_ClaimJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gantry_agent_v1_ClaimJobResponse__Output>): grpc.ClientUnaryCall;
  claimJob(argument: _gantry_agent_v1_ClaimJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_ClaimJobResponse__Output>): grpc.ClientUnaryCall;
  claimJob(argument: _gantry_agent_v1_ClaimJobRequest, callback: grpc.requestCallback<_gantry_agent_v1_ClaimJobResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Records the uploaded files of this attempt, all at once, while the lease
   * holds (else FAILED_PRECONDITION). Idempotent for the same lease: a repeated
   * commit of the same list changes nothing.
   */
  CommitArtifacts(argument: _gantry_agent_v1_CommitArtifactsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_CommitArtifactsResponse__Output>): grpc.ClientUnaryCall;
  CommitArtifacts(argument: _gantry_agent_v1_CommitArtifactsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gantry_agent_v1_CommitArtifactsResponse__Output>): grpc.ClientUnaryCall;
  CommitArtifacts(argument: _gantry_agent_v1_CommitArtifactsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_CommitArtifactsResponse__Output>): grpc.ClientUnaryCall;
  CommitArtifacts(argument: _gantry_agent_v1_CommitArtifactsRequest, callback: grpc.requestCallback<_gantry_agent_v1_CommitArtifactsResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Records the uploaded files of this attempt, all at once, while the lease
   * holds (else FAILED_PRECONDITION). Idempotent for the same lease: a repeated
   * commit of the same list changes nothing.
   */
  commitArtifacts(argument: _gantry_agent_v1_CommitArtifactsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_CommitArtifactsResponse__Output>): grpc.ClientUnaryCall;
  commitArtifacts(argument: _gantry_agent_v1_CommitArtifactsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gantry_agent_v1_CommitArtifactsResponse__Output>): grpc.ClientUnaryCall;
  commitArtifacts(argument: _gantry_agent_v1_CommitArtifactsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_CommitArtifactsResponse__Output>): grpc.ClientUnaryCall;
  commitArtifacts(argument: _gantry_agent_v1_CommitArtifactsRequest, callback: grpc.requestCallback<_gantry_agent_v1_CommitArtifactsResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Records the uploaded archive as the cache of its key in the attempt's
   * write scope, replacing an older one there (never one of another scope).
   * Fenced; idempotent for the same upload.
   */
  CommitCache(argument: _gantry_agent_v1_CommitCacheRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_CommitCacheResponse__Output>): grpc.ClientUnaryCall;
  CommitCache(argument: _gantry_agent_v1_CommitCacheRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gantry_agent_v1_CommitCacheResponse__Output>): grpc.ClientUnaryCall;
  CommitCache(argument: _gantry_agent_v1_CommitCacheRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_CommitCacheResponse__Output>): grpc.ClientUnaryCall;
  CommitCache(argument: _gantry_agent_v1_CommitCacheRequest, callback: grpc.requestCallback<_gantry_agent_v1_CommitCacheResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Records the uploaded archive as the cache of its key in the attempt's
   * write scope, replacing an older one there (never one of another scope).
   * Fenced; idempotent for the same upload.
   */
  commitCache(argument: _gantry_agent_v1_CommitCacheRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_CommitCacheResponse__Output>): grpc.ClientUnaryCall;
  commitCache(argument: _gantry_agent_v1_CommitCacheRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gantry_agent_v1_CommitCacheResponse__Output>): grpc.ClientUnaryCall;
  commitCache(argument: _gantry_agent_v1_CommitCacheRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_CommitCacheResponse__Output>): grpc.ClientUnaryCall;
  commitCache(argument: _gantry_agent_v1_CommitCacheRequest, callback: grpc.requestCallback<_gantry_agent_v1_CommitCacheResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Held open by the agent after Register for as long as it runs. The
   * controller sends "connected" first; the stream carries no other traffic
   * today (work flows down NATS). NOT_FOUND = unknown agent id: Register again.
   */
  Connect(argument: _gantry_agent_v1_ConnectRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_gantry_agent_v1_ControllerEvent__Output>;
  Connect(argument: _gantry_agent_v1_ConnectRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_gantry_agent_v1_ControllerEvent__Output>;
  /**
   * Held open by the agent after Register for as long as it runs. The
   * controller sends "connected" first; the stream carries no other traffic
   * today (work flows down NATS). NOT_FOUND = unknown agent id: Register again.
   */
  connect(argument: _gantry_agent_v1_ConnectRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_gantry_agent_v1_ControllerEvent__Output>;
  connect(argument: _gantry_agent_v1_ConnectRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_gantry_agent_v1_ControllerEvent__Output>;
  
  /**
   * Presigned PUT URLs for files of this attempt, each bound to the key
   * runs/<run>/jobs/<job>/attempts/<n>/<path>. Fenced; INVALID_ARGUMENT for a
   * path that is absolute, has `..`, or is not normalised.
   */
  CreateArtifactUploads(argument: _gantry_agent_v1_CreateArtifactUploadsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_CreateArtifactUploadsResponse__Output>): grpc.ClientUnaryCall;
  CreateArtifactUploads(argument: _gantry_agent_v1_CreateArtifactUploadsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gantry_agent_v1_CreateArtifactUploadsResponse__Output>): grpc.ClientUnaryCall;
  CreateArtifactUploads(argument: _gantry_agent_v1_CreateArtifactUploadsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_CreateArtifactUploadsResponse__Output>): grpc.ClientUnaryCall;
  CreateArtifactUploads(argument: _gantry_agent_v1_CreateArtifactUploadsRequest, callback: grpc.requestCallback<_gantry_agent_v1_CreateArtifactUploadsResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Presigned PUT URLs for files of this attempt, each bound to the key
   * runs/<run>/jobs/<job>/attempts/<n>/<path>. Fenced; INVALID_ARGUMENT for a
   * path that is absolute, has `..`, or is not normalised.
   */
  createArtifactUploads(argument: _gantry_agent_v1_CreateArtifactUploadsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_CreateArtifactUploadsResponse__Output>): grpc.ClientUnaryCall;
  createArtifactUploads(argument: _gantry_agent_v1_CreateArtifactUploadsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gantry_agent_v1_CreateArtifactUploadsResponse__Output>): grpc.ClientUnaryCall;
  createArtifactUploads(argument: _gantry_agent_v1_CreateArtifactUploadsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_CreateArtifactUploadsResponse__Output>): grpc.ClientUnaryCall;
  createArtifactUploads(argument: _gantry_agent_v1_CreateArtifactUploadsRequest, callback: grpc.requestCallback<_gantry_agent_v1_CreateArtifactUploadsResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * A presigned PUT URL for one cache archive in the scope this attempt
   * writes (protected refs: the protected scope; any other ref: its own).
   * Fenced; nothing is visible until CommitCache.
   */
  CreateCacheUpload(argument: _gantry_agent_v1_CreateCacheUploadRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_CreateCacheUploadResponse__Output>): grpc.ClientUnaryCall;
  CreateCacheUpload(argument: _gantry_agent_v1_CreateCacheUploadRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gantry_agent_v1_CreateCacheUploadResponse__Output>): grpc.ClientUnaryCall;
  CreateCacheUpload(argument: _gantry_agent_v1_CreateCacheUploadRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_CreateCacheUploadResponse__Output>): grpc.ClientUnaryCall;
  CreateCacheUpload(argument: _gantry_agent_v1_CreateCacheUploadRequest, callback: grpc.requestCallback<_gantry_agent_v1_CreateCacheUploadResponse__Output>): grpc.ClientUnaryCall;
  /**
   * A presigned PUT URL for one cache archive in the scope this attempt
   * writes (protected refs: the protected scope; any other ref: its own).
   * Fenced; nothing is visible until CommitCache.
   */
  createCacheUpload(argument: _gantry_agent_v1_CreateCacheUploadRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_CreateCacheUploadResponse__Output>): grpc.ClientUnaryCall;
  createCacheUpload(argument: _gantry_agent_v1_CreateCacheUploadRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gantry_agent_v1_CreateCacheUploadResponse__Output>): grpc.ClientUnaryCall;
  createCacheUpload(argument: _gantry_agent_v1_CreateCacheUploadRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_CreateCacheUploadResponse__Output>): grpc.ClientUnaryCall;
  createCacheUpload(argument: _gantry_agent_v1_CreateCacheUploadRequest, callback: grpc.requestCallback<_gantry_agent_v1_CreateCacheUploadResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Creates the agent `name` and returns its credential, once. Authorised by
   * an enrolment token, not a credential: an unknown, expired or used-up token
   * is UNAUTHENTICATED; queues the token does not allow, or a name already
   * enrolled or revoked, PERMISSION_DENIED.
   */
  Enrol(argument: _gantry_agent_v1_EnrolRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_EnrolResponse__Output>): grpc.ClientUnaryCall;
  Enrol(argument: _gantry_agent_v1_EnrolRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gantry_agent_v1_EnrolResponse__Output>): grpc.ClientUnaryCall;
  Enrol(argument: _gantry_agent_v1_EnrolRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_EnrolResponse__Output>): grpc.ClientUnaryCall;
  Enrol(argument: _gantry_agent_v1_EnrolRequest, callback: grpc.requestCallback<_gantry_agent_v1_EnrolResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Creates the agent `name` and returns its credential, once. Authorised by
   * an enrolment token, not a credential: an unknown, expired or used-up token
   * is UNAUTHENTICATED; queues the token does not allow, or a name already
   * enrolled or revoked, PERMISSION_DENIED.
   */
  enrol(argument: _gantry_agent_v1_EnrolRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_EnrolResponse__Output>): grpc.ClientUnaryCall;
  enrol(argument: _gantry_agent_v1_EnrolRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gantry_agent_v1_EnrolResponse__Output>): grpc.ClientUnaryCall;
  enrol(argument: _gantry_agent_v1_EnrolRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_EnrolResponse__Output>): grpc.ClientUnaryCall;
  enrol(argument: _gantry_agent_v1_EnrolRequest, callback: grpc.requestCallback<_gantry_agent_v1_EnrolResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Ends the attempt. Idempotent for the same (job_id, attempt, lease_token).
   */
  FinishJob(argument: _gantry_agent_v1_FinishJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_FinishJobResponse__Output>): grpc.ClientUnaryCall;
  FinishJob(argument: _gantry_agent_v1_FinishJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gantry_agent_v1_FinishJobResponse__Output>): grpc.ClientUnaryCall;
  FinishJob(argument: _gantry_agent_v1_FinishJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_FinishJobResponse__Output>): grpc.ClientUnaryCall;
  FinishJob(argument: _gantry_agent_v1_FinishJobRequest, callback: grpc.requestCallback<_gantry_agent_v1_FinishJobResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Ends the attempt. Idempotent for the same (job_id, attempt, lease_token).
   */
  finishJob(argument: _gantry_agent_v1_FinishJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_FinishJobResponse__Output>): grpc.ClientUnaryCall;
  finishJob(argument: _gantry_agent_v1_FinishJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gantry_agent_v1_FinishJobResponse__Output>): grpc.ClientUnaryCall;
  finishJob(argument: _gantry_agent_v1_FinishJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_FinishJobResponse__Output>): grpc.ClientUnaryCall;
  finishJob(argument: _gantry_agent_v1_FinishJobRequest, callback: grpc.requestCallback<_gantry_agent_v1_FinishJobResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Presigned GET URLs of the committed files of the jobs this job's
   * needs_artifacts names (their latest attempt), in this run. Fenced.
   */
  GetArtifactDownloads(argument: _gantry_agent_v1_GetArtifactDownloadsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_GetArtifactDownloadsResponse__Output>): grpc.ClientUnaryCall;
  GetArtifactDownloads(argument: _gantry_agent_v1_GetArtifactDownloadsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gantry_agent_v1_GetArtifactDownloadsResponse__Output>): grpc.ClientUnaryCall;
  GetArtifactDownloads(argument: _gantry_agent_v1_GetArtifactDownloadsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_GetArtifactDownloadsResponse__Output>): grpc.ClientUnaryCall;
  GetArtifactDownloads(argument: _gantry_agent_v1_GetArtifactDownloadsRequest, callback: grpc.requestCallback<_gantry_agent_v1_GetArtifactDownloadsResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Presigned GET URLs of the committed files of the jobs this job's
   * needs_artifacts names (their latest attempt), in this run. Fenced.
   */
  getArtifactDownloads(argument: _gantry_agent_v1_GetArtifactDownloadsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_GetArtifactDownloadsResponse__Output>): grpc.ClientUnaryCall;
  getArtifactDownloads(argument: _gantry_agent_v1_GetArtifactDownloadsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gantry_agent_v1_GetArtifactDownloadsResponse__Output>): grpc.ClientUnaryCall;
  getArtifactDownloads(argument: _gantry_agent_v1_GetArtifactDownloadsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_GetArtifactDownloadsResponse__Output>): grpc.ClientUnaryCall;
  getArtifactDownloads(argument: _gantry_agent_v1_GetArtifactDownloadsRequest, callback: grpc.requestCallback<_gantry_agent_v1_GetArtifactDownloadsResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * The newest saved cache for the first of `keys` that has one (exact keys
   * first, then fallback prefixes), among the scopes this attempt may read:
   * its own ref's scope, then the protected scope of its repository. Fenced;
   * found=false when none matches.
   */
  GetCacheDownload(argument: _gantry_agent_v1_GetCacheDownloadRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_GetCacheDownloadResponse__Output>): grpc.ClientUnaryCall;
  GetCacheDownload(argument: _gantry_agent_v1_GetCacheDownloadRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gantry_agent_v1_GetCacheDownloadResponse__Output>): grpc.ClientUnaryCall;
  GetCacheDownload(argument: _gantry_agent_v1_GetCacheDownloadRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_GetCacheDownloadResponse__Output>): grpc.ClientUnaryCall;
  GetCacheDownload(argument: _gantry_agent_v1_GetCacheDownloadRequest, callback: grpc.requestCallback<_gantry_agent_v1_GetCacheDownloadResponse__Output>): grpc.ClientUnaryCall;
  /**
   * The newest saved cache for the first of `keys` that has one (exact keys
   * first, then fallback prefixes), among the scopes this attempt may read:
   * its own ref's scope, then the protected scope of its repository. Fenced;
   * found=false when none matches.
   */
  getCacheDownload(argument: _gantry_agent_v1_GetCacheDownloadRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_GetCacheDownloadResponse__Output>): grpc.ClientUnaryCall;
  getCacheDownload(argument: _gantry_agent_v1_GetCacheDownloadRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gantry_agent_v1_GetCacheDownloadResponse__Output>): grpc.ClientUnaryCall;
  getCacheDownload(argument: _gantry_agent_v1_GetCacheDownloadRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_GetCacheDownloadResponse__Output>): grpc.ClientUnaryCall;
  getCacheDownload(argument: _gantry_agent_v1_GetCacheDownloadRequest, callback: grpc.requestCallback<_gantry_agent_v1_GetCacheDownloadResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Renews the lease of a running attempt. Also tells the agent when the job
   * was canceled so it can stop early, and when the agent was asked to drain.
   */
  Heartbeat(argument: _gantry_agent_v1_HeartbeatRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  Heartbeat(argument: _gantry_agent_v1_HeartbeatRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gantry_agent_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  Heartbeat(argument: _gantry_agent_v1_HeartbeatRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  Heartbeat(argument: _gantry_agent_v1_HeartbeatRequest, callback: grpc.requestCallback<_gantry_agent_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Renews the lease of a running attempt. Also tells the agent when the job
   * was canceled so it can stop early, and when the agent was asked to drain.
   */
  heartbeat(argument: _gantry_agent_v1_HeartbeatRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  heartbeat(argument: _gantry_agent_v1_HeartbeatRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gantry_agent_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  heartbeat(argument: _gantry_agent_v1_HeartbeatRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  heartbeat(argument: _gantry_agent_v1_HeartbeatRequest, callback: grpc.requestCallback<_gantry_agent_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Announces an agent process. Returns its id and the timing it must keep.
   */
  Register(argument: _gantry_agent_v1_RegisterRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_RegisterResponse__Output>): grpc.ClientUnaryCall;
  Register(argument: _gantry_agent_v1_RegisterRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gantry_agent_v1_RegisterResponse__Output>): grpc.ClientUnaryCall;
  Register(argument: _gantry_agent_v1_RegisterRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_RegisterResponse__Output>): grpc.ClientUnaryCall;
  Register(argument: _gantry_agent_v1_RegisterRequest, callback: grpc.requestCallback<_gantry_agent_v1_RegisterResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Announces an agent process. Returns its id and the timing it must keep.
   */
  register(argument: _gantry_agent_v1_RegisterRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_RegisterResponse__Output>): grpc.ClientUnaryCall;
  register(argument: _gantry_agent_v1_RegisterRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gantry_agent_v1_RegisterResponse__Output>): grpc.ClientUnaryCall;
  register(argument: _gantry_agent_v1_RegisterRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_RegisterResponse__Output>): grpc.ClientUnaryCall;
  register(argument: _gantry_agent_v1_RegisterRequest, callback: grpc.requestCallback<_gantry_agent_v1_RegisterResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * What restoring and saving the attempt's caches did, for the API and the
   * web page. Fenced; a repeated report replaces the earlier one.
   */
  ReportCaches(argument: _gantry_agent_v1_ReportCachesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_ReportCachesResponse__Output>): grpc.ClientUnaryCall;
  ReportCaches(argument: _gantry_agent_v1_ReportCachesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gantry_agent_v1_ReportCachesResponse__Output>): grpc.ClientUnaryCall;
  ReportCaches(argument: _gantry_agent_v1_ReportCachesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_ReportCachesResponse__Output>): grpc.ClientUnaryCall;
  ReportCaches(argument: _gantry_agent_v1_ReportCachesRequest, callback: grpc.requestCallback<_gantry_agent_v1_ReportCachesResponse__Output>): grpc.ClientUnaryCall;
  /**
   * What restoring and saving the attempt's caches did, for the API and the
   * web page. Fenced; a repeated report replaces the earlier one.
   */
  reportCaches(argument: _gantry_agent_v1_ReportCachesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_ReportCachesResponse__Output>): grpc.ClientUnaryCall;
  reportCaches(argument: _gantry_agent_v1_ReportCachesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gantry_agent_v1_ReportCachesResponse__Output>): grpc.ClientUnaryCall;
  reportCaches(argument: _gantry_agent_v1_ReportCachesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_ReportCachesResponse__Output>): grpc.ClientUnaryCall;
  reportCaches(argument: _gantry_agent_v1_ReportCachesRequest, callback: grpc.requestCallback<_gantry_agent_v1_ReportCachesResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Steps started / finished, in batches: the agent sends what happened since
   * its last call, one call at a time per attempt, so a job of many short
   * steps costs a few calls, not two per step. Idempotent per
   * (job_id, attempt, step_index, state).
   */
  ReportSteps(argument: _gantry_agent_v1_ReportStepsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_ReportStepsResponse__Output>): grpc.ClientUnaryCall;
  ReportSteps(argument: _gantry_agent_v1_ReportStepsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gantry_agent_v1_ReportStepsResponse__Output>): grpc.ClientUnaryCall;
  ReportSteps(argument: _gantry_agent_v1_ReportStepsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_ReportStepsResponse__Output>): grpc.ClientUnaryCall;
  ReportSteps(argument: _gantry_agent_v1_ReportStepsRequest, callback: grpc.requestCallback<_gantry_agent_v1_ReportStepsResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Steps started / finished, in batches: the agent sends what happened since
   * its last call, one call at a time per attempt, so a job of many short
   * steps costs a few calls, not two per step. Idempotent per
   * (job_id, attempt, step_index, state).
   */
  reportSteps(argument: _gantry_agent_v1_ReportStepsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_ReportStepsResponse__Output>): grpc.ClientUnaryCall;
  reportSteps(argument: _gantry_agent_v1_ReportStepsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_gantry_agent_v1_ReportStepsResponse__Output>): grpc.ClientUnaryCall;
  reportSteps(argument: _gantry_agent_v1_ReportStepsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_ReportStepsResponse__Output>): grpc.ClientUnaryCall;
  reportSteps(argument: _gantry_agent_v1_ReportStepsRequest, callback: grpc.requestCallback<_gantry_agent_v1_ReportStepsResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Client stream of output chunks for one attempt. Chunks are keyed by
   * (job_id, attempt, seq): a resent chunk is stored once. The agent honours
   * the stream's write() backpressure; the controller acknowledges on close.
   */
  StreamLogs(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_StreamLogsResponse__Output>): grpc.ClientWritableStream<_gantry_agent_v1_LogChunk>;
  StreamLogs(metadata: grpc.Metadata, callback: grpc.requestCallback<_gantry_agent_v1_StreamLogsResponse__Output>): grpc.ClientWritableStream<_gantry_agent_v1_LogChunk>;
  StreamLogs(options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_StreamLogsResponse__Output>): grpc.ClientWritableStream<_gantry_agent_v1_LogChunk>;
  StreamLogs(callback: grpc.requestCallback<_gantry_agent_v1_StreamLogsResponse__Output>): grpc.ClientWritableStream<_gantry_agent_v1_LogChunk>;
  /**
   * Client stream of output chunks for one attempt. Chunks are keyed by
   * (job_id, attempt, seq): a resent chunk is stored once. The agent honours
   * the stream's write() backpressure; the controller acknowledges on close.
   */
  streamLogs(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_StreamLogsResponse__Output>): grpc.ClientWritableStream<_gantry_agent_v1_LogChunk>;
  streamLogs(metadata: grpc.Metadata, callback: grpc.requestCallback<_gantry_agent_v1_StreamLogsResponse__Output>): grpc.ClientWritableStream<_gantry_agent_v1_LogChunk>;
  streamLogs(options: grpc.CallOptions, callback: grpc.requestCallback<_gantry_agent_v1_StreamLogsResponse__Output>): grpc.ClientWritableStream<_gantry_agent_v1_LogChunk>;
  streamLogs(callback: grpc.requestCallback<_gantry_agent_v1_StreamLogsResponse__Output>): grpc.ClientWritableStream<_gantry_agent_v1_LogChunk>;
  
  /**
   * The calls every job makes (ClaimJob, FinishJob, and ReportSteps for a job
   * that outlasts the agent's hold on its step reports) over one long-lived call
   * instead of one call each: a message on an open stream costs both sides a
   * fraction of a unary call. Each WorkRequest is answered by one WorkReply
   * with the same id, in any order; the answer is exactly what the unary
   * call would answer (its status as WorkReply.error). The call's own
   * metadata identifies the caller, and is checked for each request as for a
   * unary call. At most 512 requests may be unanswered at once; one past it
   * is answered RESOURCE_EXHAUSTED. When the call ends, requests without an
   * answer may or may not have been carried out: retry them as a unary call
   * that failed UNAVAILABLE. A controller without this call answers
   * UNIMPLEMENTED: use the unary calls.
   */
  Work(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_gantry_agent_v1_WorkRequest, _gantry_agent_v1_WorkReply__Output>;
  Work(options?: grpc.CallOptions): grpc.ClientDuplexStream<_gantry_agent_v1_WorkRequest, _gantry_agent_v1_WorkReply__Output>;
  /**
   * The calls every job makes (ClaimJob, FinishJob, and ReportSteps for a job
   * that outlasts the agent's hold on its step reports) over one long-lived call
   * instead of one call each: a message on an open stream costs both sides a
   * fraction of a unary call. Each WorkRequest is answered by one WorkReply
   * with the same id, in any order; the answer is exactly what the unary
   * call would answer (its status as WorkReply.error). The call's own
   * metadata identifies the caller, and is checked for each request as for a
   * unary call. At most 512 requests may be unanswered at once; one past it
   * is answered RESOURCE_EXHAUSTED. When the call ends, requests without an
   * answer may or may not have been carried out: retry them as a unary call
   * that failed UNAVAILABLE. A controller without this call answers
   * UNIMPLEMENTED: use the unary calls.
   */
  work(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_gantry_agent_v1_WorkRequest, _gantry_agent_v1_WorkReply__Output>;
  work(options?: grpc.CallOptions): grpc.ClientDuplexStream<_gantry_agent_v1_WorkRequest, _gantry_agent_v1_WorkReply__Output>;
  
}

export interface AgentServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Claims one attempt of a job. Never an error for "already taken": the
   * answer says granted=false with a reason, and the agent terms the message.
   */
  ClaimJob: grpc.handleUnaryCall<_gantry_agent_v1_ClaimJobRequest__Output, _gantry_agent_v1_ClaimJobResponse>;
  
  /**
   * Records the uploaded files of this attempt, all at once, while the lease
   * holds (else FAILED_PRECONDITION). Idempotent for the same lease: a repeated
   * commit of the same list changes nothing.
   */
  CommitArtifacts: grpc.handleUnaryCall<_gantry_agent_v1_CommitArtifactsRequest__Output, _gantry_agent_v1_CommitArtifactsResponse>;
  
  /**
   * Records the uploaded archive as the cache of its key in the attempt's
   * write scope, replacing an older one there (never one of another scope).
   * Fenced; idempotent for the same upload.
   */
  CommitCache: grpc.handleUnaryCall<_gantry_agent_v1_CommitCacheRequest__Output, _gantry_agent_v1_CommitCacheResponse>;
  
  /**
   * Held open by the agent after Register for as long as it runs. The
   * controller sends "connected" first; the stream carries no other traffic
   * today (work flows down NATS). NOT_FOUND = unknown agent id: Register again.
   */
  Connect: grpc.handleServerStreamingCall<_gantry_agent_v1_ConnectRequest__Output, _gantry_agent_v1_ControllerEvent>;
  
  /**
   * Presigned PUT URLs for files of this attempt, each bound to the key
   * runs/<run>/jobs/<job>/attempts/<n>/<path>. Fenced; INVALID_ARGUMENT for a
   * path that is absolute, has `..`, or is not normalised.
   */
  CreateArtifactUploads: grpc.handleUnaryCall<_gantry_agent_v1_CreateArtifactUploadsRequest__Output, _gantry_agent_v1_CreateArtifactUploadsResponse>;
  
  /**
   * A presigned PUT URL for one cache archive in the scope this attempt
   * writes (protected refs: the protected scope; any other ref: its own).
   * Fenced; nothing is visible until CommitCache.
   */
  CreateCacheUpload: grpc.handleUnaryCall<_gantry_agent_v1_CreateCacheUploadRequest__Output, _gantry_agent_v1_CreateCacheUploadResponse>;
  
  /**
   * Creates the agent `name` and returns its credential, once. Authorised by
   * an enrolment token, not a credential: an unknown, expired or used-up token
   * is UNAUTHENTICATED; queues the token does not allow, or a name already
   * enrolled or revoked, PERMISSION_DENIED.
   */
  Enrol: grpc.handleUnaryCall<_gantry_agent_v1_EnrolRequest__Output, _gantry_agent_v1_EnrolResponse>;
  
  /**
   * Ends the attempt. Idempotent for the same (job_id, attempt, lease_token).
   */
  FinishJob: grpc.handleUnaryCall<_gantry_agent_v1_FinishJobRequest__Output, _gantry_agent_v1_FinishJobResponse>;
  
  /**
   * Presigned GET URLs of the committed files of the jobs this job's
   * needs_artifacts names (their latest attempt), in this run. Fenced.
   */
  GetArtifactDownloads: grpc.handleUnaryCall<_gantry_agent_v1_GetArtifactDownloadsRequest__Output, _gantry_agent_v1_GetArtifactDownloadsResponse>;
  
  /**
   * The newest saved cache for the first of `keys` that has one (exact keys
   * first, then fallback prefixes), among the scopes this attempt may read:
   * its own ref's scope, then the protected scope of its repository. Fenced;
   * found=false when none matches.
   */
  GetCacheDownload: grpc.handleUnaryCall<_gantry_agent_v1_GetCacheDownloadRequest__Output, _gantry_agent_v1_GetCacheDownloadResponse>;
  
  /**
   * Renews the lease of a running attempt. Also tells the agent when the job
   * was canceled so it can stop early, and when the agent was asked to drain.
   */
  Heartbeat: grpc.handleUnaryCall<_gantry_agent_v1_HeartbeatRequest__Output, _gantry_agent_v1_HeartbeatResponse>;
  
  /**
   * Announces an agent process. Returns its id and the timing it must keep.
   */
  Register: grpc.handleUnaryCall<_gantry_agent_v1_RegisterRequest__Output, _gantry_agent_v1_RegisterResponse>;
  
  /**
   * What restoring and saving the attempt's caches did, for the API and the
   * web page. Fenced; a repeated report replaces the earlier one.
   */
  ReportCaches: grpc.handleUnaryCall<_gantry_agent_v1_ReportCachesRequest__Output, _gantry_agent_v1_ReportCachesResponse>;
  
  /**
   * Steps started / finished, in batches: the agent sends what happened since
   * its last call, one call at a time per attempt, so a job of many short
   * steps costs a few calls, not two per step. Idempotent per
   * (job_id, attempt, step_index, state).
   */
  ReportSteps: grpc.handleUnaryCall<_gantry_agent_v1_ReportStepsRequest__Output, _gantry_agent_v1_ReportStepsResponse>;
  
  /**
   * Client stream of output chunks for one attempt. Chunks are keyed by
   * (job_id, attempt, seq): a resent chunk is stored once. The agent honours
   * the stream's write() backpressure; the controller acknowledges on close.
   */
  StreamLogs: grpc.handleClientStreamingCall<_gantry_agent_v1_LogChunk__Output, _gantry_agent_v1_StreamLogsResponse>;
  
  /**
   * The calls every job makes (ClaimJob, FinishJob, and ReportSteps for a job
   * that outlasts the agent's hold on its step reports) over one long-lived call
   * instead of one call each: a message on an open stream costs both sides a
   * fraction of a unary call. Each WorkRequest is answered by one WorkReply
   * with the same id, in any order; the answer is exactly what the unary
   * call would answer (its status as WorkReply.error). The call's own
   * metadata identifies the caller, and is checked for each request as for a
   * unary call. At most 512 requests may be unanswered at once; one past it
   * is answered RESOURCE_EXHAUSTED. When the call ends, requests without an
   * answer may or may not have been carried out: retry them as a unary call
   * that failed UNAVAILABLE. A controller without this call answers
   * UNIMPLEMENTED: use the unary calls.
   */
  Work: grpc.handleBidiStreamingCall<_gantry_agent_v1_WorkRequest__Output, _gantry_agent_v1_WorkReply>;
  
}

export interface AgentServiceDefinition extends grpc.ServiceDefinition {
  ClaimJob: MethodDefinition<_gantry_agent_v1_ClaimJobRequest, _gantry_agent_v1_ClaimJobResponse, _gantry_agent_v1_ClaimJobRequest__Output, _gantry_agent_v1_ClaimJobResponse__Output>
  CommitArtifacts: MethodDefinition<_gantry_agent_v1_CommitArtifactsRequest, _gantry_agent_v1_CommitArtifactsResponse, _gantry_agent_v1_CommitArtifactsRequest__Output, _gantry_agent_v1_CommitArtifactsResponse__Output>
  CommitCache: MethodDefinition<_gantry_agent_v1_CommitCacheRequest, _gantry_agent_v1_CommitCacheResponse, _gantry_agent_v1_CommitCacheRequest__Output, _gantry_agent_v1_CommitCacheResponse__Output>
  Connect: MethodDefinition<_gantry_agent_v1_ConnectRequest, _gantry_agent_v1_ControllerEvent, _gantry_agent_v1_ConnectRequest__Output, _gantry_agent_v1_ControllerEvent__Output>
  CreateArtifactUploads: MethodDefinition<_gantry_agent_v1_CreateArtifactUploadsRequest, _gantry_agent_v1_CreateArtifactUploadsResponse, _gantry_agent_v1_CreateArtifactUploadsRequest__Output, _gantry_agent_v1_CreateArtifactUploadsResponse__Output>
  CreateCacheUpload: MethodDefinition<_gantry_agent_v1_CreateCacheUploadRequest, _gantry_agent_v1_CreateCacheUploadResponse, _gantry_agent_v1_CreateCacheUploadRequest__Output, _gantry_agent_v1_CreateCacheUploadResponse__Output>
  Enrol: MethodDefinition<_gantry_agent_v1_EnrolRequest, _gantry_agent_v1_EnrolResponse, _gantry_agent_v1_EnrolRequest__Output, _gantry_agent_v1_EnrolResponse__Output>
  FinishJob: MethodDefinition<_gantry_agent_v1_FinishJobRequest, _gantry_agent_v1_FinishJobResponse, _gantry_agent_v1_FinishJobRequest__Output, _gantry_agent_v1_FinishJobResponse__Output>
  GetArtifactDownloads: MethodDefinition<_gantry_agent_v1_GetArtifactDownloadsRequest, _gantry_agent_v1_GetArtifactDownloadsResponse, _gantry_agent_v1_GetArtifactDownloadsRequest__Output, _gantry_agent_v1_GetArtifactDownloadsResponse__Output>
  GetCacheDownload: MethodDefinition<_gantry_agent_v1_GetCacheDownloadRequest, _gantry_agent_v1_GetCacheDownloadResponse, _gantry_agent_v1_GetCacheDownloadRequest__Output, _gantry_agent_v1_GetCacheDownloadResponse__Output>
  Heartbeat: MethodDefinition<_gantry_agent_v1_HeartbeatRequest, _gantry_agent_v1_HeartbeatResponse, _gantry_agent_v1_HeartbeatRequest__Output, _gantry_agent_v1_HeartbeatResponse__Output>
  Register: MethodDefinition<_gantry_agent_v1_RegisterRequest, _gantry_agent_v1_RegisterResponse, _gantry_agent_v1_RegisterRequest__Output, _gantry_agent_v1_RegisterResponse__Output>
  ReportCaches: MethodDefinition<_gantry_agent_v1_ReportCachesRequest, _gantry_agent_v1_ReportCachesResponse, _gantry_agent_v1_ReportCachesRequest__Output, _gantry_agent_v1_ReportCachesResponse__Output>
  ReportSteps: MethodDefinition<_gantry_agent_v1_ReportStepsRequest, _gantry_agent_v1_ReportStepsResponse, _gantry_agent_v1_ReportStepsRequest__Output, _gantry_agent_v1_ReportStepsResponse__Output>
  StreamLogs: MethodDefinition<_gantry_agent_v1_LogChunk, _gantry_agent_v1_StreamLogsResponse, _gantry_agent_v1_LogChunk__Output, _gantry_agent_v1_StreamLogsResponse__Output>
  Work: MethodDefinition<_gantry_agent_v1_WorkRequest, _gantry_agent_v1_WorkReply, _gantry_agent_v1_WorkRequest__Output, _gantry_agent_v1_WorkReply__Output>
}
