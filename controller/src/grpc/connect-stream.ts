/**
 * Server side of Connect: one long-lived stream per agent. Opening records the
 * session; the stream's end (client gone, connection reset, cancel) tells the
 * presence tracker, which gives the agent a short grace to come back. A
 * Connect that fails ends with a status, so the agent notices and reconnects.
 * While the session is open the stream carries "alive" every interval, so an
 * agent notices a replica that froze with its connections open.
 */

import type { ConnectRequest__Output, ControllerEvent } from '@gantry/proto';
import { type ServerWritableStream, type ServiceError, status } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { AgentPresence } from '../scheduler/agent-presence.js';
import { grpcError, toGrpcError } from './errors.js';
import type { OpenStreams } from './open-streams.js';

type ConnectCall = ServerWritableStream<ConnectRequest__Output, ControllerEvent>;

export interface ConnectStreamDeps {
  presence: Pick<AgentPresence, 'connected' | 'disconnected'>;
  streams: OpenStreams;
  log: Logger;
  /** How often an open session hears "alive"; default CONNECT_ALIVE_INTERVAL_MS. */
  aliveIntervalMs?: number;
}

/**
 * "alive" on every open Connect stream this often: an agent that hears
 * nothing for 2.5 intervals connects to another replica, well within the
 * SESSION_STALE_MS after which an unvouched session's attempts are reaped.
 */
export const CONNECT_ALIVE_INTERVAL_MS = 1000;

/**
 * Opens the session of a Connect call whose caller is authenticated.
 * `callAgeMs` tells how long ago the call began: a call never replaces the
 * session of one the agent began later. A call cancelled while its caller was
 * being authenticated (the agent left, maybe for another replica) opens none.
 */
export function handleConnect(call: ConnectCall, callAgeMs: () => number, deps: ConnectStreamDeps): void {
  if (call.cancelled) return;
  const { presence, streams, log } = deps;
  streams.add(call, () => call.end());
  const agentId = call.request.agentId;
  let sessionId: string | null = null;
  let ended = false;
  let alive: NodeJS.Timeout | undefined;
  const end = () => {
    if (ended) return;
    ended = true;
    clearInterval(alive);
    if (sessionId) presence.disconnected(agentId, sessionId);
  };
  call.on('cancelled', end);
  call.on('close', end);
  call.on('error', end);
  presence.connected(agentId, callAgeMs).then(
    (session) => {
      if (!session) {
        endWithStatus(call, grpcError(status.NOT_FOUND, `unknown agent "${agentId}": register again`));
        return;
      }
      sessionId = session;
      if (ended || call.cancelled) {
        presence.disconnected(agentId, session);
        return;
      }
      log.info({ agentId }, 'agent connected');
      const aliveIntervalMs = deps.aliveIntervalMs ?? CONNECT_ALIVE_INTERVAL_MS;
      call.write({ kind: 'connected', aliveIntervalMs });
      alive = setInterval(() => {
        // An agent that does not read its stream gets no pile of them; an ended call, none.
        if (!call.writableNeedDrain && !call.writableEnded && !call.destroyed) call.write({ kind: 'alive' });
      }, aliveIntervalMs);
      alive.unref();
    },
    (error) => {
      log.warn({ err: error, agentId }, 'cannot open agent session');
      endWithStatus(call, toGrpcError(error, log, 'Connect'));
    },
  );
}

/**
 * Ends the call with `answer` as its status: grpc-js answers a server
 * stream's 'error' event with it. destroy() would send no status at all, and
 * the agent would wait on the call forever while its session reads as gone.
 */
export function endWithStatus(call: ConnectCall, answer: Partial<ServiceError>): void {
  call.emit('error', Object.assign(new Error(answer.details), answer));
}
