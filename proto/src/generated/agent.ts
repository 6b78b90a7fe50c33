import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { AgentServiceClient as _gantry_agent_v1_AgentServiceClient, AgentServiceDefinition as _gantry_agent_v1_AgentServiceDefinition } from './gantry/agent/v1/AgentService.js';
import type { ArtifactDownload as _gantry_agent_v1_ArtifactDownload, ArtifactDownload__Output as _gantry_agent_v1_ArtifactDownload__Output } from './gantry/agent/v1/ArtifactDownload.js';
import type { ArtifactFile as _gantry_agent_v1_ArtifactFile, ArtifactFile__Output as _gantry_agent_v1_ArtifactFile__Output } from './gantry/agent/v1/ArtifactFile.js';
import type { ArtifactUpload as _gantry_agent_v1_ArtifactUpload, ArtifactUpload__Output as _gantry_agent_v1_ArtifactUpload__Output } from './gantry/agent/v1/ArtifactUpload.js';
import type { CacheReport as _gantry_agent_v1_CacheReport, CacheReport__Output as _gantry_agent_v1_CacheReport__Output } from './gantry/agent/v1/CacheReport.js';
import type { CacheSpec as _gantry_agent_v1_CacheSpec, CacheSpec__Output as _gantry_agent_v1_CacheSpec__Output } from './gantry/agent/v1/CacheSpec.js';
import type { ClaimJobRequest as _gantry_agent_v1_ClaimJobRequest, ClaimJobRequest__Output as _gantry_agent_v1_ClaimJobRequest__Output } from './gantry/agent/v1/ClaimJobRequest.js';
import type { ClaimJobResponse as _gantry_agent_v1_ClaimJobResponse, ClaimJobResponse__Output as _gantry_agent_v1_ClaimJobResponse__Output } from './gantry/agent/v1/ClaimJobResponse.js';
import type { CommitArtifactsRequest as _gantry_agent_v1_CommitArtifactsRequest, CommitArtifactsRequest__Output as _gantry_agent_v1_CommitArtifactsRequest__Output } from './gantry/agent/v1/CommitArtifactsRequest.js';
import type { CommitArtifactsResponse as _gantry_agent_v1_CommitArtifactsResponse, CommitArtifactsResponse__Output as _gantry_agent_v1_CommitArtifactsResponse__Output } from './gantry/agent/v1/CommitArtifactsResponse.js';
import type { CommitCacheRequest as _gantry_agent_v1_CommitCacheRequest, CommitCacheRequest__Output as _gantry_agent_v1_CommitCacheRequest__Output } from './gantry/agent/v1/CommitCacheRequest.js';
import type { CommitCacheResponse as _gantry_agent_v1_CommitCacheResponse, CommitCacheResponse__Output as _gantry_agent_v1_CommitCacheResponse__Output } from './gantry/agent/v1/CommitCacheResponse.js';
import type { ConnectRequest as _gantry_agent_v1_ConnectRequest, ConnectRequest__Output as _gantry_agent_v1_ConnectRequest__Output } from './gantry/agent/v1/ConnectRequest.js';
import type { ControllerEvent as _gantry_agent_v1_ControllerEvent, ControllerEvent__Output as _gantry_agent_v1_ControllerEvent__Output } from './gantry/agent/v1/ControllerEvent.js';
import type { CreateArtifactUploadsRequest as _gantry_agent_v1_CreateArtifactUploadsRequest, CreateArtifactUploadsRequest__Output as _gantry_agent_v1_CreateArtifactUploadsRequest__Output } from './gantry/agent/v1/CreateArtifactUploadsRequest.js';
import type { CreateArtifactUploadsResponse as _gantry_agent_v1_CreateArtifactUploadsResponse, CreateArtifactUploadsResponse__Output as _gantry_agent_v1_CreateArtifactUploadsResponse__Output } from './gantry/agent/v1/CreateArtifactUploadsResponse.js';
import type { CreateCacheUploadRequest as _gantry_agent_v1_CreateCacheUploadRequest, CreateCacheUploadRequest__Output as _gantry_agent_v1_CreateCacheUploadRequest__Output } from './gantry/agent/v1/CreateCacheUploadRequest.js';
import type { CreateCacheUploadResponse as _gantry_agent_v1_CreateCacheUploadResponse, CreateCacheUploadResponse__Output as _gantry_agent_v1_CreateCacheUploadResponse__Output } from './gantry/agent/v1/CreateCacheUploadResponse.js';
import type { EnrolRequest as _gantry_agent_v1_EnrolRequest, EnrolRequest__Output as _gantry_agent_v1_EnrolRequest__Output } from './gantry/agent/v1/EnrolRequest.js';
import type { EnrolResponse as _gantry_agent_v1_EnrolResponse, EnrolResponse__Output as _gantry_agent_v1_EnrolResponse__Output } from './gantry/agent/v1/EnrolResponse.js';
import type { FinishJobRequest as _gantry_agent_v1_FinishJobRequest, FinishJobRequest__Output as _gantry_agent_v1_FinishJobRequest__Output } from './gantry/agent/v1/FinishJobRequest.js';
import type { FinishJobResponse as _gantry_agent_v1_FinishJobResponse, FinishJobResponse__Output as _gantry_agent_v1_FinishJobResponse__Output } from './gantry/agent/v1/FinishJobResponse.js';
import type { GetArtifactDownloadsRequest as _gantry_agent_v1_GetArtifactDownloadsRequest, GetArtifactDownloadsRequest__Output as _gantry_agent_v1_GetArtifactDownloadsRequest__Output } from './gantry/agent/v1/GetArtifactDownloadsRequest.js';
import type { GetArtifactDownloadsResponse as _gantry_agent_v1_GetArtifactDownloadsResponse, GetArtifactDownloadsResponse__Output as _gantry_agent_v1_GetArtifactDownloadsResponse__Output } from './gantry/agent/v1/GetArtifactDownloadsResponse.js';
import type { GetCacheDownloadRequest as _gantry_agent_v1_GetCacheDownloadRequest, GetCacheDownloadRequest__Output as _gantry_agent_v1_GetCacheDownloadRequest__Output } from './gantry/agent/v1/GetCacheDownloadRequest.js';
import type { GetCacheDownloadResponse as _gantry_agent_v1_GetCacheDownloadResponse, GetCacheDownloadResponse__Output as _gantry_agent_v1_GetCacheDownloadResponse__Output } from './gantry/agent/v1/GetCacheDownloadResponse.js';
import type { HeartbeatRequest as _gantry_agent_v1_HeartbeatRequest, HeartbeatRequest__Output as _gantry_agent_v1_HeartbeatRequest__Output } from './gantry/agent/v1/HeartbeatRequest.js';
import type { HeartbeatResponse as _gantry_agent_v1_HeartbeatResponse, HeartbeatResponse__Output as _gantry_agent_v1_HeartbeatResponse__Output } from './gantry/agent/v1/HeartbeatResponse.js';
import type { JobSpec as _gantry_agent_v1_JobSpec, JobSpec__Output as _gantry_agent_v1_JobSpec__Output } from './gantry/agent/v1/JobSpec.js';
import type { Lease as _gantry_agent_v1_Lease, Lease__Output as _gantry_agent_v1_Lease__Output } from './gantry/agent/v1/Lease.js';
import type { LogChunk as _gantry_agent_v1_LogChunk, LogChunk__Output as _gantry_agent_v1_LogChunk__Output } from './gantry/agent/v1/LogChunk.js';
import type { RegisterRequest as _gantry_agent_v1_RegisterRequest, RegisterRequest__Output as _gantry_agent_v1_RegisterRequest__Output } from './gantry/agent/v1/RegisterRequest.js';
import type { RegisterResponse as _gantry_agent_v1_RegisterResponse, RegisterResponse__Output as _gantry_agent_v1_RegisterResponse__Output } from './gantry/agent/v1/RegisterResponse.js';
import type { ReportCachesRequest as _gantry_agent_v1_ReportCachesRequest, ReportCachesRequest__Output as _gantry_agent_v1_ReportCachesRequest__Output } from './gantry/agent/v1/ReportCachesRequest.js';
import type { ReportCachesResponse as _gantry_agent_v1_ReportCachesResponse, ReportCachesResponse__Output as _gantry_agent_v1_ReportCachesResponse__Output } from './gantry/agent/v1/ReportCachesResponse.js';
import type { ReportStepsRequest as _gantry_agent_v1_ReportStepsRequest, ReportStepsRequest__Output as _gantry_agent_v1_ReportStepsRequest__Output } from './gantry/agent/v1/ReportStepsRequest.js';
import type { ReportStepsResponse as _gantry_agent_v1_ReportStepsResponse, ReportStepsResponse__Output as _gantry_agent_v1_ReportStepsResponse__Output } from './gantry/agent/v1/ReportStepsResponse.js';
import type { StepReport as _gantry_agent_v1_StepReport, StepReport__Output as _gantry_agent_v1_StepReport__Output } from './gantry/agent/v1/StepReport.js';
import type { StreamLogsResponse as _gantry_agent_v1_StreamLogsResponse, StreamLogsResponse__Output as _gantry_agent_v1_StreamLogsResponse__Output } from './gantry/agent/v1/StreamLogsResponse.js';
import type { WorkError as _gantry_agent_v1_WorkError, WorkError__Output as _gantry_agent_v1_WorkError__Output } from './gantry/agent/v1/WorkError.js';
import type { WorkReply as _gantry_agent_v1_WorkReply, WorkReply__Output as _gantry_agent_v1_WorkReply__Output } from './gantry/agent/v1/WorkReply.js';
import type { WorkRequest as _gantry_agent_v1_WorkRequest, WorkRequest__Output as _gantry_agent_v1_WorkRequest__Output } from './gantry/agent/v1/WorkRequest.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  gantry: {
    agent: {
      v1: {
        AgentService: SubtypeConstructor<typeof grpc.Client, _gantry_agent_v1_AgentServiceClient> & { service: _gantry_agent_v1_AgentServiceDefinition }
        ArtifactDownload: MessageTypeDefinition<_gantry_agent_v1_ArtifactDownload, _gantry_agent_v1_ArtifactDownload__Output>
        ArtifactFile: MessageTypeDefinition<_gantry_agent_v1_ArtifactFile, _gantry_agent_v1_ArtifactFile__Output>
        ArtifactUpload: MessageTypeDefinition<_gantry_agent_v1_ArtifactUpload, _gantry_agent_v1_ArtifactUpload__Output>
        CacheReport: MessageTypeDefinition<_gantry_agent_v1_CacheReport, _gantry_agent_v1_CacheReport__Output>
        CacheSpec: MessageTypeDefinition<_gantry_agent_v1_CacheSpec, _gantry_agent_v1_CacheSpec__Output>
        ClaimJobRequest: MessageTypeDefinition<_gantry_agent_v1_ClaimJobRequest, _gantry_agent_v1_ClaimJobRequest__Output>
        ClaimJobResponse: MessageTypeDefinition<_gantry_agent_v1_ClaimJobResponse, _gantry_agent_v1_ClaimJobResponse__Output>
        CommitArtifactsRequest: MessageTypeDefinition<_gantry_agent_v1_CommitArtifactsRequest, _gantry_agent_v1_CommitArtifactsRequest__Output>
        CommitArtifactsResponse: MessageTypeDefinition<_gantry_agent_v1_CommitArtifactsResponse, _gantry_agent_v1_CommitArtifactsResponse__Output>
        CommitCacheRequest: MessageTypeDefinition<_gantry_agent_v1_CommitCacheRequest, _gantry_agent_v1_CommitCacheRequest__Output>
        CommitCacheResponse: MessageTypeDefinition<_gantry_agent_v1_CommitCacheResponse, _gantry_agent_v1_CommitCacheResponse__Output>
        ConnectRequest: MessageTypeDefinition<_gantry_agent_v1_ConnectRequest, _gantry_agent_v1_ConnectRequest__Output>
        ControllerEvent: MessageTypeDefinition<_gantry_agent_v1_ControllerEvent, _gantry_agent_v1_ControllerEvent__Output>
        CreateArtifactUploadsRequest: MessageTypeDefinition<_gantry_agent_v1_CreateArtifactUploadsRequest, _gantry_agent_v1_CreateArtifactUploadsRequest__Output>
        CreateArtifactUploadsResponse: MessageTypeDefinition<_gantry_agent_v1_CreateArtifactUploadsResponse, _gantry_agent_v1_CreateArtifactUploadsResponse__Output>
        CreateCacheUploadRequest: MessageTypeDefinition<_gantry_agent_v1_CreateCacheUploadRequest, _gantry_agent_v1_CreateCacheUploadRequest__Output>
        CreateCacheUploadResponse: MessageTypeDefinition<_gantry_agent_v1_CreateCacheUploadResponse, _gantry_agent_v1_CreateCacheUploadResponse__Output>
        EnrolRequest: MessageTypeDefinition<_gantry_agent_v1_EnrolRequest, _gantry_agent_v1_EnrolRequest__Output>
        EnrolResponse: MessageTypeDefinition<_gantry_agent_v1_EnrolResponse, _gantry_agent_v1_EnrolResponse__Output>
        FinishJobRequest: MessageTypeDefinition<_gantry_agent_v1_FinishJobRequest, _gantry_agent_v1_FinishJobRequest__Output>
        FinishJobResponse: MessageTypeDefinition<_gantry_agent_v1_FinishJobResponse, _gantry_agent_v1_FinishJobResponse__Output>
        GetArtifactDownloadsRequest: MessageTypeDefinition<_gantry_agent_v1_GetArtifactDownloadsRequest, _gantry_agent_v1_GetArtifactDownloadsRequest__Output>
        GetArtifactDownloadsResponse: MessageTypeDefinition<_gantry_agent_v1_GetArtifactDownloadsResponse, _gantry_agent_v1_GetArtifactDownloadsResponse__Output>
        GetCacheDownloadRequest: MessageTypeDefinition<_gantry_agent_v1_GetCacheDownloadRequest, _gantry_agent_v1_GetCacheDownloadRequest__Output>
        GetCacheDownloadResponse: MessageTypeDefinition<_gantry_agent_v1_GetCacheDownloadResponse, _gantry_agent_v1_GetCacheDownloadResponse__Output>
        HeartbeatRequest: MessageTypeDefinition<_gantry_agent_v1_HeartbeatRequest, _gantry_agent_v1_HeartbeatRequest__Output>
        HeartbeatResponse: MessageTypeDefinition<_gantry_agent_v1_HeartbeatResponse, _gantry_agent_v1_HeartbeatResponse__Output>
        JobSpec: MessageTypeDefinition<_gantry_agent_v1_JobSpec, _gantry_agent_v1_JobSpec__Output>
        Lease: MessageTypeDefinition<_gantry_agent_v1_Lease, _gantry_agent_v1_Lease__Output>
        LogChunk: MessageTypeDefinition<_gantry_agent_v1_LogChunk, _gantry_agent_v1_LogChunk__Output>
        ProtocolVersion: EnumTypeDefinition
        RegisterRequest: MessageTypeDefinition<_gantry_agent_v1_RegisterRequest, _gantry_agent_v1_RegisterRequest__Output>
        RegisterResponse: MessageTypeDefinition<_gantry_agent_v1_RegisterResponse, _gantry_agent_v1_RegisterResponse__Output>
        ReportCachesRequest: MessageTypeDefinition<_gantry_agent_v1_ReportCachesRequest, _gantry_agent_v1_ReportCachesRequest__Output>
        ReportCachesResponse: MessageTypeDefinition<_gantry_agent_v1_ReportCachesResponse, _gantry_agent_v1_ReportCachesResponse__Output>
        ReportStepsRequest: MessageTypeDefinition<_gantry_agent_v1_ReportStepsRequest, _gantry_agent_v1_ReportStepsRequest__Output>
        ReportStepsResponse: MessageTypeDefinition<_gantry_agent_v1_ReportStepsResponse, _gantry_agent_v1_ReportStepsResponse__Output>
        StepReport: MessageTypeDefinition<_gantry_agent_v1_StepReport, _gantry_agent_v1_StepReport__Output>
        StreamLogsResponse: MessageTypeDefinition<_gantry_agent_v1_StreamLogsResponse, _gantry_agent_v1_StreamLogsResponse__Output>
        WorkError: MessageTypeDefinition<_gantry_agent_v1_WorkError, _gantry_agent_v1_WorkError__Output>
        WorkReply: MessageTypeDefinition<_gantry_agent_v1_WorkReply, _gantry_agent_v1_WorkReply__Output>
        WorkRequest: MessageTypeDefinition<_gantry_agent_v1_WorkRequest, _gantry_agent_v1_WorkRequest__Output>
      }
    }
  }
}

