/**
 * The agent protocol shared by controller and agent: loads agent.proto with
 * @grpc/proto-loader and re-exports the generated TypeScript types.
 * Regenerate the types with `npm run generate -w @gantry/proto` after editing the .proto.
 *
 * Naming: `X` is what a sender may pass (fields optional), `X__Output` is what a
 * receiver gets (defaults filled in, 64-bit integers as numbers, enums as strings).
 */
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType } from './generated/agent.js';
import type { AgentServiceDefinition } from './generated/gantry/agent/v1/AgentService.js';

export type {
  AgentServiceClient,
  AgentServiceHandlers,
} from './generated/gantry/agent/v1/AgentService.js';
export type * from './generated/gantry/agent/v1/ArtifactDownload.js';
export type * from './generated/gantry/agent/v1/ArtifactFile.js';
export type * from './generated/gantry/agent/v1/ArtifactUpload.js';
export type * from './generated/gantry/agent/v1/CacheReport.js';
export type * from './generated/gantry/agent/v1/CacheSpec.js';
export type * from './generated/gantry/agent/v1/ClaimJobRequest.js';
export type * from './generated/gantry/agent/v1/ClaimJobResponse.js';
export type * from './generated/gantry/agent/v1/CommitArtifactsRequest.js';
export type * from './generated/gantry/agent/v1/CommitArtifactsResponse.js';
export type * from './generated/gantry/agent/v1/CommitCacheRequest.js';
export type * from './generated/gantry/agent/v1/CommitCacheResponse.js';
export type * from './generated/gantry/agent/v1/ConnectRequest.js';
export type * from './generated/gantry/agent/v1/ControllerEvent.js';
export type * from './generated/gantry/agent/v1/CreateArtifactUploadsRequest.js';
export type * from './generated/gantry/agent/v1/CreateArtifactUploadsResponse.js';
export type * from './generated/gantry/agent/v1/CreateCacheUploadRequest.js';
export type * from './generated/gantry/agent/v1/CreateCacheUploadResponse.js';
export type * from './generated/gantry/agent/v1/EnrolRequest.js';
export type * from './generated/gantry/agent/v1/EnrolResponse.js';
export type * from './generated/gantry/agent/v1/FinishJobRequest.js';
export type * from './generated/gantry/agent/v1/FinishJobResponse.js';
export type * from './generated/gantry/agent/v1/GetArtifactDownloadsRequest.js';
export type * from './generated/gantry/agent/v1/GetArtifactDownloadsResponse.js';
export type * from './generated/gantry/agent/v1/GetCacheDownloadRequest.js';
export type * from './generated/gantry/agent/v1/GetCacheDownloadResponse.js';
export type * from './generated/gantry/agent/v1/HeartbeatRequest.js';
export type * from './generated/gantry/agent/v1/HeartbeatResponse.js';
export type * from './generated/gantry/agent/v1/JobSpec.js';
export type * from './generated/gantry/agent/v1/Lease.js';
export type * from './generated/gantry/agent/v1/LogChunk.js';
export type * from './generated/gantry/agent/v1/RegisterRequest.js';
export type * from './generated/gantry/agent/v1/RegisterResponse.js';
export type * from './generated/gantry/agent/v1/ReportCachesRequest.js';
export type * from './generated/gantry/agent/v1/ReportCachesResponse.js';
export type * from './generated/gantry/agent/v1/ReportStepsRequest.js';
export type * from './generated/gantry/agent/v1/ReportStepsResponse.js';
export type * from './generated/gantry/agent/v1/StepReport.js';
export type * from './generated/gantry/agent/v1/StreamLogsResponse.js';
export type * from './generated/gantry/agent/v1/WorkError.js';
export type * from './generated/gantry/agent/v1/WorkReply.js';
export type * from './generated/gantry/agent/v1/WorkRequest.js';

/**
 * The details of an UNAVAILABLE answer meaning "this controller is up but its
 * database is away". No replica can reap leases then, so the agent keeps its
 * running jobs instead of fencing itself (lease-keeper.ts).
 */
export const DATABASE_UNAVAILABLE_DETAIL = 'database unavailable';

/** The protocol version this build speaks; checked by the controller at Register. */
export const PROTOCOL_VERSION = 4;

/**
 * The largest message either side sends or accepts (gRPC's own default
 * receive limit, set explicitly on the controller's server and the agent's
 * client). The controller refuses to hand out a job spec that would not fit:
 * the attempt fails with the reason instead of the agent failing to read it.
 */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/** Requests one Work call may hold unanswered; the controller refuses one more with RESOURCE_EXHAUSTED. */
export const WORK_MAX_UNANSWERED = 512;

/** What FinishJobRequest.log_chunks may carry: a short job's whole log, not a stream's worth. */
export const FINISH_LOG_CHUNKS_MAX = 64;
export const FINISH_LOG_BYTES_MAX = 1024 * 1024;

/** gRPC metadata key carrying `Bearer <token>` on every agent call. */
export const AUTHORIZATION_METADATA_KEY = 'authorization';

/** Absolute path of agent.proto inside this package. */
export const agentProtoPath = fileURLToPath(new URL('../gantry/agent/v1/agent.proto', import.meta.url));

const loaderOptions: protoLoader.Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};

let loaded: ProtoGrpcType | undefined;

/** Loads the package definition once per process. */
export function loadAgentProtocol(): ProtoGrpcType {
  if (!loaded) {
    const definition = protoLoader.loadSync(agentProtoPath, loaderOptions);
    loaded = grpc.loadPackageDefinition(definition) as unknown as ProtoGrpcType;
  }
  return loaded;
}

/** The service definition the controller registers with `server.addService`. */
export function agentServiceDefinition(): AgentServiceDefinition {
  return loadAgentProtocol().gantry.agent.v1.AgentService.service;
}

/** A typed client constructor for the agent side. */
export function agentServiceClientConstructor() {
  return loadAgentProtocol().gantry.agent.v1.AgentService;
}

export { natsTopology } from './nats-topology.js';

/** Body of a job offer on `gantry.jobs.<queue>`; Nats-Msg-Id is `${jobId}.${attempt}`. */
export interface JobOffer {
  jobId: string;
  attempt: number;
  runId: string;
}

/** Body of a control message on `gantry.agents.<agentId>.control`. */
export type AgentControlMessage = { type: 'cancel'; jobId: string; attempt: number } | { type: 'drain' };
