/**
 * The caller check of an agent call folded into the call's own statement (a
 * round trip less than looking the caller up first): a condition on the
 * `agents` row aliased `a` that holds only for the agent whose credential
 * the call presents, not revoked. A statement it refuses writes nothing, and
 * the call then looks its caller up the usual way (grpc/agent-identity.ts)
 * for the precise refusal.
 */
import { type SQL, sql } from 'drizzle-orm';

/** The SHA-256 of the credential a call presents (agent-identity.ts computes it). */
export interface CallerCredential {
  credentialHash: string;
}

export function callerIs(caller: CallerCredential): SQL {
  return credentialHashIs(sql`${caller.credentialHash}`);
}

/** callerIs for a hash the statement itself holds (a column of a batch's rows). */
export function credentialHashIs(hash: SQL): SQL {
  return sql`a.credential_hash = ${hash} and a.revoked_at is null`;
}

/** The attempt was claimed by the agent whose credential the call presents, not revoked. */
export function attemptClaimedBy(attempt: { jobId: string; attempt: number }, caller: CallerCredential): SQL {
  return sql`exists (select 1 from job_attempts ja join agents a on a.id = ja.agent_id
    where ja.job_id = ${attempt.jobId} and ja.attempt = ${attempt.attempt} and ${callerIs(caller)})`;
}
