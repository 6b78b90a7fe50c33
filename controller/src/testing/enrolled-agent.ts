/**
 * Test support: an agent enrolled straight in the database, with the
 * credential its calls carry.
 */
import { generateAgentCredential, hashAgentSecret, standingEnrolmentToken } from '../domain/agent-secrets.js';
import { enrolAgent } from '../store/agent-credentials-repository.js';
import type { Queryable } from '../store/database.js';

export interface EnrolledAgent {
  agentId: string;
  credential: string;
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
  return { agentId: outcome.agentId, credential };
}
