/**
 * The nats-server `authorization` block of a farm: one controller user that
 * owns the jobs stream and alone may publish offers and control messages, and
 * agent users that may only pull from their queues' consumers, acknowledge
 * what they pulled, and hear control subjects. `gantry up`, `gantry
 * nats-config` and the test harness write it; nats-server reads it with `-c`.
 */
import { randomBytes } from 'node:crypto';

/** Names both sides agree on; pass `natsTopology` from @gantry/proto. */
export interface NatsAuthorizationTopology {
  jobsStream: string;
  jobsSubjectPrefix: string;
  jobsConsumer(queue: string): string;
  agentControlSubject(agentId: string): string;
}

export interface NatsUser {
  user: string;
  password: string;
}

export interface NatsAgentUser extends NatsUser {
  /** Queues whose consumers this user may pull from; absent: every queue. */
  queues?: string[];
}

export interface NatsAuthorization {
  controller: NatsUser;
  agents: NatsAgentUser[];
}

export class NatsAuthorizationError extends Error {
  override readonly name = 'NatsAuthorizationError';
  readonly code = 'NATS_AUTHORIZATION_INVALID';
}

const userName = /^[A-Za-z0-9_-]{1,64}$/;
const queueName = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * Prefix of an agent user's reply subjects (pull deliveries, API answers).
 * Each user gets its own, so no agent can read another's replies or the
 * controller's (`_INBOX.>`). The agent connects with `inboxPrefix` set to it.
 */
export function natsAgentInboxPrefix(user: string): string {
  return `_GANTRY_INBOX.${user}`;
}

/**
 * The subject a pull request for `consumer` of `stream` is published to
 * (JetStream's `CONSUMER.MSG.NEXT` API); `*` in either part names every one.
 * Agents pull on it, and their NATS permissions allow exactly it.
 */
export function jetStreamPullSubject(stream: string, consumer: string): string {
  return `$JS.API.CONSUMER.MSG.NEXT.${stream}.${consumer}`;
}

/** A password for a generated user: 32 random bytes, base64url (nothing the config format must escape). */
export function generateNatsPassword(): string {
  return randomBytes(32).toString('base64url');
}

/** The `authorization { users = [...] }` block; throws NatsAuthorizationError on a bad user or queue name. */
export function natsAuthorizationBlock(auth: NatsAuthorization, topology: NatsAuthorizationTopology): string {
  const users = [auth.controller, ...auth.agents];
  for (const { user } of users) {
    if (!userName.test(user))
      throw new NatsAuthorizationError(`NATS user ${JSON.stringify(user)}: use 1-64 of A-Z a-z 0-9 _ -`);
  }
  const duplicate = users.find((entry, index) => users.findIndex((other) => other.user === entry.user) !== index);
  if (duplicate) throw new NatsAuthorizationError(`NATS user ${JSON.stringify(duplicate.user)} is listed twice`);
  const entries = [
    { user: auth.controller.user, password: auth.controller.password, permissions: controllerPermissions() },
    ...auth.agents.map((agent) => ({
      user: agent.user,
      password: agent.password,
      permissions: agentPermissions(agent, topology),
    })),
  ];
  // nats-server's configuration format reads JSON.
  return `authorization ${JSON.stringify({ users: entries }, null, 2)}\n`;
}

/** The controller manages the stream (the JetStream API), publishes offers, control messages and run events. */
function controllerPermissions() {
  return {
    publish: { allow: ['gantry.>', '$JS.API.>', '_INBOX.>'] },
    subscribe: { allow: ['gantry.>', '_INBOX.>'] },
  };
}

/**
 * Only what pulling from a durable consumer needs: its INFO, MSG.NEXT, and
 * acknowledging (ack, nak, term) its messages. No consumer or stream
 * create/delete, no publishing on `gantry.>`; answering a control request
 * goes through `allow_responses`.
 */
function agentPermissions(agent: NatsAgentUser, topology: NatsAuthorizationTopology) {
  const queues = agent.queues ?? ['*'];
  if (queues.length === 0) throw new NatsAuthorizationError(`NATS user ${agent.user}: name at least one queue`);
  for (const queue of agent.queues ?? []) {
    if (!queueName.test(queue)) {
      throw new NatsAuthorizationError(
        `queue ${JSON.stringify(queue)} of NATS user ${agent.user}: use A-Z a-z 0-9 _ -`,
      );
    }
  }
  const stream = topology.jobsStream;
  const consumers = queues.map((queue) => (queue === '*' ? '*' : topology.jobsConsumer(queue)));
  return {
    publish: {
      allow: consumers.flatMap((consumer) => [
        `$JS.API.CONSUMER.INFO.${stream}.${consumer}`,
        jetStreamPullSubject(stream, consumer),
        `$JS.ACK.${stream}.${consumer}.>`,
      ]),
    },
    subscribe: { allow: [`${natsAgentInboxPrefix(agent.user)}.>`, topology.agentControlSubject('*')] },
    allow_responses: true,
  };
}
