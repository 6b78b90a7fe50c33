/**
 * Enrol: an agent presents an enrolment token (one made by `gantry
 * agent-token create`, or the standing GANTRY_AGENT_TOKEN) and receives its
 * own credential, once. The token's use, the agent row and the audit event
 * are one transaction: a refused enrolment spends nothing.
 */
import { timingSafeEqual } from 'node:crypto';
import { type EnrolRequest__Output, PROTOCOL_VERSION } from '@gantry/proto';
import type { Metadata } from '@grpc/grpc-js';
import { generateAgentCredential, hashAgentSecret, standingEnrolmentToken } from '../domain/agent-secrets.js';
import { DomainError } from '../domain/errors.js';
import { enrolAgent } from '../store/agent-credentials-repository.js';
import { recordAuditEvent } from '../store/audit-repository.js';
import type { Database } from '../store/database.js';
import { useEnrolmentToken } from '../store/enrolment-tokens-repository.js';
import { bearerSecret, requireAllowedQueues } from './agent-identity.js';

const agentName = /^[A-Za-z0-9._-]{1,128}$/;
const queueName = /^[A-Za-z0-9_-]{1,64}$/;
const maxQueues = 64;

const refusedTokens = {
  unknown: 'unknown enrolment token',
  expired: 'enrolment token expired: create another with gantry agent-token create',
  used_up: 'enrolment token used up: create another with gantry agent-token create',
} as const;

export interface Enrolment {
  agentId: string;
  credential: string;
}

/** Enrols the agent the request names; throws DomainError for every refusal. */
export async function enrol(
  db: Database,
  standingToken: string,
  metadata: Metadata,
  request: EnrolRequest__Output,
): Promise<Enrolment> {
  if (request.protocolVersion !== PROTOCOL_VERSION) {
    throw new DomainError(
      'PROTOCOL_MISMATCH',
      `agent speaks protocol ${request.protocolVersion}, controller speaks ${PROTOCOL_VERSION}`,
    );
  }
  checkEnrolRequest(request);
  const presented = bearerSecret(metadata);
  const credential = generateAgentCredential();
  const agentId = await db.transaction(async (tx) => {
    let allowedQueues: string[] | null = null;
    let enrolledWith = standingEnrolmentToken;
    if (!isStandingToken(presented, standingToken)) {
      const use = presented ? await useEnrolmentToken(tx, hashAgentSecret(presented)) : null;
      if (!use?.ok) throw new DomainError('UNAUTHENTICATED', refusedTokens[use?.reason ?? 'unknown']);
      allowedQueues = use.token.queues.length > 0 ? use.token.queues : null;
      enrolledWith = use.token.id;
    }
    requireAllowedQueues(allowedQueues, request.queues, 'the enrolment token');
    const outcome = await enrolAgent(tx, {
      name: request.name,
      hostname: request.hostname.slice(0, 255),
      queues: request.queues,
      slots: 1,
      version: '',
      credentialHash: hashAgentSecret(credential),
      allowedQueues,
      enrolledWith,
    });
    if (!outcome.ok) {
      throw new DomainError(
        'FORBIDDEN',
        outcome.reason === 'revoked'
          ? `agent "${request.name}" was revoked; enrol under another name`
          : `agent "${request.name}" is already enrolled; an agent keeps its credential in its work directory`,
      );
    }
    await recordAuditEvent(tx, {
      actor: `agent:${request.name}`,
      action: 'agent.enrol',
      details: { agentId: outcome.agentId, name: request.name, queues: request.queues, allowedQueues, enrolledWith },
    });
    return outcome.agentId;
  });
  return { agentId, credential };
}

function isStandingToken(presented: string, standingToken: string): boolean {
  if (!presented || !standingToken) return false;
  const given = Buffer.from(presented);
  const expected = Buffer.from(standingToken);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function checkEnrolRequest(request: EnrolRequest__Output): void {
  if (!agentName.test(request.name)) {
    throw new DomainError('INVALID_INPUT', 'agent name must be 1 to 128 letters, digits, ".", "_" or "-"');
  }
  checkQueueNames(request.queues);
}

/** The queues an Enrol or Register names: 1 to 64 of them, each a valid name. */
export function checkQueueNames(queues: string[]): void {
  if (queues.length === 0 || queues.length > maxQueues) {
    throw new DomainError('INVALID_INPUT', `an agent serves 1 to ${maxQueues} queues`);
  }
  if (!queues.every((queue) => queueName.test(queue))) {
    throw new DomainError('INVALID_INPUT', 'queue names are 1 to 64 letters, digits, "_" or "-"');
  }
}
