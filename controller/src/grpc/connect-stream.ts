/**
 * Server side of Connect: one long-lived stream per agent. Opening records the
 * session; the stream's end (client gone, connection reset, cancel) tells the
 * presence tracker, which gives the agent a short grace to come back.
 */

import type { ConnectRequest__Output, ControllerEvent } from '@gantry/proto';
import { type ServerWritableStream, status } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { AgentPresence } from '../scheduler/agent-presence.js';
import { grpcError, toGrpcError } from './errors.js';
import type { OpenStreams } from './open-streams.js';

type ConnectCall = ServerWritableStream<ConnectRequest__Output, ControllerEvent>;

export function handleConnect(call: ConnectCall, presence: AgentPresence, streams: OpenStreams, log: Logger): void {
  streams.add(call, () => call.end());
  const agentId = call.request.agentId;
  let sessionId: string | null = null;
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    if (sessionId) presence.disconnected(agentId, sessionId);
  };
  call.on('cancelled', end);
  call.on('close', end);
  call.on('error', end);
  presence.connected(agentId).then(
    (session) => {
      if (!session) {
        call.destroy(
          Object.assign(
            new Error(`unknown agent ${agentId}`),
            grpcError(status.NOT_FOUND, `unknown agent "${agentId}": register again`),
          ),
        );
        return;
      }
      sessionId = session;
      if (ended || call.cancelled) {
        presence.disconnected(agentId, session);
        return;
      }
      log.info({ agentId }, 'agent connected');
      call.write({ kind: 'connected' });
    },
    (error) => {
      const failure = toGrpcError(error, log, 'Connect');
      log.error({ err: error, agentId }, 'cannot open agent session');
      call.destroy(Object.assign(new Error(failure.details), failure));
    },
  );
}
