/**
 * Test support: an agent enrolled straight in the database, with the
 * credential and gRPC metadata its calls carry.
 */
import { Metadata } from '@grpc/grpc-js';
import { generateAgentCredential, hashAgentSecret, standingEnrolmentToken } from '../domain/agent-secrets.js';
import { enrolAgent } from '../store/agent-credentials-repository.js';
import type { Queryable } from '../store/database.js';

export interface EnrolledAgent {
  agentId: string;
  credential: string;
  /** `authorization: Bearer <credential>`. */
  metadata: Metadata;
}

export async function enrolTestAgent(
  db: Queryable,
  options: { name: string; queues?: string[] },
): Promise<EnrolledAgent> {
  const credential = generateAgentCredential();
  const outcome = await enrolAgent(db, {
    name: options.name,
    hostname: 'test-host',
    queues: options.queues ?? ['default'],
    slots: 1,
    version: 'test',
    credentialHash: hashAgentSecret(credential),
    allowedQueues: null,
    enrolledWith: standingEnrolmentToken,
  });
  if (!outcome.ok) throw new Error(`cannot enrol test agent ${options.name}: ${outcome.reason}`);
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${credential}`);
  return { agentId: outcome.agentId, credential, metadata };
}
