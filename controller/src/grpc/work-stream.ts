/**
 * Server side of Work (agent.proto): ClaimJob, ReportSteps and FinishJob requests on one
 * long-lived call. Each request goes through the same handler as its unary
 * call, with the call's metadata as the caller's identity (checked per
 * request, so a credential revoked mid-call is refused at once), and its
 * answer or status goes back tagged with the request's id. Requests are
 * served concurrently, as unary calls would be, up to WORK_MAX_UNANSWERED.
 */

import {
  type ClaimJobRequest__Output,
  type ClaimJobResponse,
  type FinishJobRequest__Output,
  type FinishJobResponse,
  type ReportStepsRequest__Output,
  type ReportStepsResponse,
  WORK_MAX_UNANSWERED,
  type WorkReply,
  type WorkRequest__Output,
} from '@gantry/proto';
import { type Metadata, type ServerDuplexStream, type sendUnaryData, status } from '@grpc/grpc-js';
import type { OpenStreams } from './open-streams.js';

/** What a unary handler reads of its call: the request and the caller's metadata. */
export interface UnaryRequest<Req> {
  request: Req;
  metadata: Metadata;
}

export type UnaryHandler<Req, Res> = (call: UnaryRequest<Req>, done: sendUnaryData<Res>) => void;

export interface WorkHandlers {
  claimJob: UnaryHandler<ClaimJobRequest__Output, ClaimJobResponse>;
  reportSteps: UnaryHandler<ReportStepsRequest__Output, ReportStepsResponse>;
  finishJob: UnaryHandler<FinishJobRequest__Output, FinishJobResponse>;
}

type WorkCall = ServerDuplexStream<WorkRequest__Output, WorkReply>;

export function handleWork(call: WorkCall, handlers: WorkHandlers, streams: OpenStreams): void {
  let unanswered = 0;
  // The agent half-closed, or the controller is shutting down: answer what is pending, then end.
  let closing = false;
  let gone = false;
  const endIfDone = () => {
    if (closing && unanswered === 0 && !gone) {
      gone = true;
      call.end();
    }
  };
  const answer = (reply: WorkReply) => {
    unanswered--;
    if (!gone && !call.cancelled) call.write(reply);
    endIfDone();
  };
  const failed = (id: number, code: status, details: string) => answer({ id, error: { code, details } });
  /** A unary handler's callback that answers request `id` on the stream. */
  const replyTo =
    <K extends keyof WorkHandlers>(id: number, kind: K) =>
    (error: Parameters<sendUnaryData<unknown>>[0], response?: WorkReply[K] | null) => {
      if (error) failed(id, error.code ?? status.UNKNOWN, error.details ?? '');
      else answer({ id, [kind]: response ?? {} });
    };

  streams.add(call, () => {
    closing = true;
    endIfDone();
  });
  call.on('error', () => {}); // a reset connection: the agent retries what it did not hear back about
  call.on('end', () => {
    closing = true;
    endIfDone();
  });
  call.on('data', (request: WorkRequest__Output) => {
    unanswered++;
    const { id } = request;
    if (closing) return failed(id, status.UNAVAILABLE, 'the controller is shutting down');
    if (unanswered > WORK_MAX_UNANSWERED) {
      return failed(id, status.RESOURCE_EXHAUSTED, `more than ${WORK_MAX_UNANSWERED} unanswered Work requests`);
    }
    const { metadata } = call;
    if (request.call === 'claimJob' && request.claimJob) {
      handlers.claimJob({ request: request.claimJob, metadata }, replyTo(id, 'claimJob'));
    } else if (request.call === 'reportSteps' && request.reportSteps) {
      handlers.reportSteps({ request: request.reportSteps, metadata }, replyTo(id, 'reportSteps'));
    } else if (request.call === 'finishJob' && request.finishJob) {
      handlers.finishJob({ request: request.finishJob, metadata }, replyTo(id, 'finishJob'));
    } else {
      failed(id, status.INVALID_ARGUMENT, 'a Work request carries one of claim_job, report_steps, finish_job');
    }
  });
}
