/**
 * Listens on the agent's core-NATS control subject
 * (`gantry.agents.<agentId>.control`) for cancel and drain messages from the
 * controller. Malformed messages are logged and ignored.
 */
import type { AgentControlMessage } from '@gantry/proto';
import { natsTopology } from '@gantry/proto';
import type { NatsConnection, Subscription } from 'nats';
import type { Logger } from 'pino';

/** Parses a control message; throws on anything else. */
export function parseControlMessage(data: Uint8Array): AgentControlMessage {
  const body: unknown = JSON.parse(new TextDecoder().decode(data));
  const { type, jobId, attempt } = (body ?? {}) as Record<string, unknown>;
  if (type === 'drain') return { type };
  if (type !== 'cancel') throw new Error(`unknown control message type ${JSON.stringify(type)}`);
  if (typeof jobId !== 'string' || jobId.length === 0) throw new Error('cancel without a jobId');
  if (typeof attempt !== 'number' || !Number.isInteger(attempt) || attempt < 1)
    throw new Error(`cancel with a bad attempt ${JSON.stringify(attempt)}`);
  return { type, jobId, attempt };
}

export interface ControlHandlers {
  /** Returns whether the attempt was running here. */
  cancel(jobId: string, attempt: number): boolean;
  drain(): void;
}

/** Subscribes; the returned subscription is closed with the connection or by unsubscribe(). */
export function subscribeControl(
  nc: NatsConnection,
  agentId: string,
  handlers: ControlHandlers,
  logger: Logger,
): Subscription {
  const subject = natsTopology.agentControlSubject(agentId);
  return nc.subscribe(subject, {
    callback: (err, msg) => {
      if (err) {
        logger.error({ subject, err: err.message }, 'control subscription failed');
        return;
      }
      let message: AgentControlMessage;
      try {
        message = parseControlMessage(msg.data);
      } catch (error) {
        logger.warn({ subject, err: (error as Error).message }, 'ignoring malformed control message');
        return;
      }
      logger.info({ control: message }, 'control message');
      let ok = true;
      if (message.type === 'cancel') ok = handlers.cancel(message.jobId, message.attempt);
      else handlers.drain();
      // A controller may use request/reply to learn whether the agent knew the attempt.
      if (msg.reply) msg.respond(JSON.stringify({ ok }));
    },
  });
}
