/**
 * Who is calling: every agent call but Enrol presents the agent's own
 * credential as `authorization: Bearer <credential>`. The caller is looked up
 * by the credential's SHA-256 on every call (database time, every replica
 * agrees), so a revocation refuses the very next call. The same statement
 * fetches what the call's checks need (its attempt's owner, its job's queue),
 * so identity costs one round trip per call; the calls every job makes
 * (ClaimJob, FinishJob) check their caller inside their own first statement
 * instead (store/caller-check.ts) and come here only when it refuses.
 */
import { AUTHORIZATION_METADATA_KEY } from '@gantry/proto';
import type { Metadata } from '@grpc/grpc-js';
import { hashAgentSecret } from '../domain/agent-secrets.js';
import { DomainError } from '../domain/errors.js';
import {
  type AgentCallFacts,
  type AgentPrincipal,
  findAgentByCredentialHash,
} from '../store/agent-credentials-repository.js';
import type { CallerCredential } from '../store/caller-check.js';
import type { Database } from '../store/database.js';
import type { LeaseKey } from '../store/leases-repository.js';

/** The most a bearer secret may be; anything longer is not one of ours. */
const maxSecretLength = 256;

/** The secret of `authorization: Bearer <secret>`, or '' when there is none. */
export function bearerSecret(metadata: Metadata): string {
  const header = String(metadata.get(AUTHORIZATION_METADATA_KEY)[0] ?? '');
  const match = /^Bearer (\S+)$/.exec(header);
  return match?.[1] && match[1].length <= maxSecretLength ? match[1] : '';
}

/** What a call acts on, checked along with its caller. */
export interface CallScope {
  /** The lease the call uses: refused when its attempt is another agent's. */
  lease?: LeaseKey | undefined;
  /** The job the call claims: its queue comes back as `jobQueue`. */
  claimedJobId?: string | undefined;
}

/**
 * The agent whose credential the call carries; UNAUTHENTICATED when unknown,
 * FORBIDDEN when revoked or when `scope.lease` is another agent's attempt.
 */
export async function authenticateAgent(
  db: Database,
  metadata: Metadata,
  scope: CallScope = {},
): Promise<AgentCallFacts> {
  const credential = callerCredential(metadata);
  const wanted = { attempt: scope.lease, queueOfJob: scope.claimedJobId };
  const agent = credential ? await findAgentByCredentialHash(db, credential.credentialHash, wanted) : null;
  if (!agent) throw new DomainError('UNAUTHENTICATED', 'unknown agent credential: enrol this agent again');
  if (agent.revoked) throw new DomainError('FORBIDDEN', `agent "${agent.name}" was revoked`);
  if (scope.lease) refuseOthersAttempt(agent, scope.lease, agent.attemptOwner);
  return agent;
}

/** The credential the call presents (hashed), as the lookup and the statements that check their caller take it; null when none. */
export function callerCredential(metadata: Metadata): CallerCredential | null {
  const secret = bearerSecret(metadata);
  return secret ? { credentialHash: credentialHashOf(secret) } : null;
}

/** Hashes of the credentials seen lately: every call of an agent presents the same one. */
const recentHashes = new Map<string, string>();
const recentHashesMax = 4096;

function credentialHashOf(secret: string): string {
  let hash = recentHashes.get(secret);
  if (hash === undefined) {
    hash = hashAgentSecret(secret);
    if (recentHashes.size >= recentHashesMax) recentHashes.clear();
    recentHashes.set(secret, hash);
  }
  return hash;
}

/** Refuses a request that names another agent's id. */
export function requireOwnAgentId(caller: AgentPrincipal, agentId: string): void {
  if (agentId !== caller.id) {
    throw new DomainError('FORBIDDEN', `agent "${caller.name}" may not act for agent id "${agentId.slice(0, 64)}"`);
  }
}

/**
 * Refuses a lease of an attempt another agent claimed. A lease of no attempt
 * at all passes: the lease fence refuses it as stale.
 */
function refuseOthersAttempt(caller: AgentPrincipal, lease: LeaseKey, owner: string | null): void {
  if (owner !== null && owner !== caller.id) {
    throw new DomainError(
      'FORBIDDEN',
      `attempt ${lease.attempt} of job ${lease.jobId.slice(0, 64)} belongs to another agent`,
    );
  }
}

/** Refuses queues outside `allowed` (null: any queue). */
export function requireAllowedQueues(allowed: string[] | null, queues: string[], what: string): void {
  if (allowed === null) return;
  const refused = queues.filter((queue) => !allowed.includes(queue));
  if (refused.length > 0) {
    throw new DomainError(
      'FORBIDDEN',
      `${what} allows queues ${allowed.join(', ')}; not ${refused.map((queue) => queue.slice(0, 64)).join(', ')}`,
    );
  }
}
