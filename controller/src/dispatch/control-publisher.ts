/**
 * Controller → agent control messages on core NATS
 * (`gantry.agents.<agentId>.control`). Best effort by design: a cancel the
 * agent misses is still delivered through its next heartbeat answer, and a
 * drain request is also stored on the agent's row.
 */
import { type AgentControlMessage, natsTopology } from '@gantry/proto';
import type { NatsConnection } from 'nats';
import type { Logger } from 'pino';

export type PublishControl = (agentId: string, message: AgentControlMessage) => void;

export function createControlPublisher(connection: NatsConnection, log: Logger): PublishControl {
  const encoder = new TextEncoder();
  return (agentId, message) => {
    try {
      connection.publish(natsTopology.agentControlSubject(agentId), encoder.encode(JSON.stringify(message)));
    } catch (error) {
      log.warn({ err: error, agentId, type: message.type }, 'control message not sent');
    }
  };
}
