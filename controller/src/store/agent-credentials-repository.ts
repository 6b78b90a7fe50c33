/**
 * Agent identities: the credential each agent receives at enrolment (only its
 * SHA-256 is stored), what it allows, and its revocation. Every gRPC call
 * looks its caller up here by the hash of the credential it presents.
 */
import { randomUUID } from 'node:crypto';
import { and, eq, isNull, or, sql } from 'drizzle-orm';
import type { Database, Queryable } from './database.js';
import { agents, jobAttempts, jobs } from './schema.js';

/** The agent a credential belongs to, as the gRPC service checks calls against it. */
export interface AgentPrincipal {
  id: string;
  name: string;
  /** The queues it registered for: the only ones it may claim from. */
  queues: string[];
  /** The queues its enrolment token allows; null: any. */
  allowedQueues: string[] | null;
  revoked: boolean;
}

/** Facts about the call that the caller's lookup fetches in the same statement, saving round trips. */
export interface CallFactsWanted {
  /** The attempt whose owner to fetch. */
  attempt?: { jobId: string; attempt: number } | undefined;
  /** The job whose queue to fetch. */
  queueOfJob?: string | undefined;
}

/**
 * The caller, with the facts asked for (null when not asked or not found):
 * the agent that claimed the attempt (null when nobody did), and the queue of the job (it never changes).
 */
export interface AgentCallFacts extends AgentPrincipal {
  attemptOwner: string | null;
  jobQueue: string | null;
}

export async function findAgentByCredentialHash(
  db: Database,
  credentialHash: string,
  wanted: CallFactsWanted = {},
): Promise<AgentCallFacts | null> {
  let prepared = preparedCallFacts.get(db);
  if (!prepared) {
    prepared = prepareCallFacts(db);
    preparedCallFacts.set(db, prepared);
  }
  const rows = await prepared.execute({
    credentialHash,
    attemptJobId: wanted.attempt?.jobId ?? null,
    attempt: wanted.attempt?.attempt ?? null,
    queueJobId: wanted.queueOfJob ?? null,
  });
  const row = rows[0];
  if (!row) return null;
  return {
    id: row.id,
    name: row.name,
    queues: row.queues as string[],
    allowedQueues: row.allowedQueues,
    revoked: row.revokedAt !== null,
    attemptOwner: row.attemptOwner,
    jobQueue: row.jobQueue,
  };
}

/**
 * Every agent call runs this lookup, so it is built once per database and
 * prepared on each connection; a fact not asked for has null parameters.
 */
function prepareCallFacts(db: Database) {
  return db
    .select({
      id: agents.id,
      name: agents.name,
      queues: agents.queues,
      allowedQueues: agents.allowedQueues,
      revokedAt: agents.revokedAt,
      attemptOwner: sql<string | null>`(select ${jobAttempts.agentId} from ${jobAttempts}
        where ${jobAttempts.jobId} = ${sql.placeholder('attemptJobId')} and ${jobAttempts.attempt} = ${sql.placeholder('attempt')})`,
      jobQueue: sql<
        string | null
      >`(select ${jobs.queue} from ${jobs} where ${jobs.id} = ${sql.placeholder('queueJobId')})`,
    })
    .from(agents)
    .where(eq(agents.credentialHash, sql.placeholder('credentialHash')))
    .prepare('agent_call_facts');
}

const preparedCallFacts = new WeakMap<Database, ReturnType<typeof prepareCallFacts>>();

export interface AgentEnrolment {
  name: string;
  hostname: string;
  queues: string[];
  slots: number;
  version: string;
  credentialHash: string;
  allowedQueues: string[] | null;
  enrolledWith: string;
}

export type EnrolmentOutcome = { ok: true; agentId: string } | { ok: false; reason: 'name_taken' | 'revoked' };

/**
 * Creates the agent `name` holding the credential. A name already enrolled
 * (or revoked) is refused: a second enrolment would take that agent over. A
 * row from before enrolment existed (no credential) is enrolled in place.
 */
export async function enrolAgent(tx: Queryable, input: AgentEnrolment): Promise<EnrolmentOutcome> {
  const existing = await tx
    .select({ id: agents.id, credentialHash: agents.credentialHash, revokedAt: agents.revokedAt })
    .from(agents)
    .where(eq(agents.name, input.name))
    .for('update');
  const current = existing[0];
  if (current?.revokedAt) return { ok: false, reason: 'revoked' };
  if (current?.credentialHash) return { ok: false, reason: 'name_taken' };
  if (current) {
    await tx
      .update(agents)
      .set({ ...input, lastSeenAt: sql`now()`, drainRequested: false })
      .where(and(eq(agents.id, current.id), isNull(agents.credentialHash)));
    return { ok: true, agentId: current.id };
  }
  const inserted = await tx
    .insert(agents)
    .values({ id: randomUUID(), ...input })
    .onConflictDoNothing({ target: agents.name })
    .returning({ id: agents.id });
  return inserted[0] ? { ok: true, agentId: inserted[0].id } : { ok: false, reason: 'name_taken' };
}

/** What a Register call may change about an enrolled agent. */
export interface AgentRegistration {
  hostname: string;
  queues: string[];
  slots: number;
  version: string;
}

/** Records a (re)start of an enrolled, unrevoked agent; false when it is revoked (or gone). */
export async function updateAgentRegistration(db: Queryable, id: string, input: AgentRegistration): Promise<boolean> {
  const rows = await db
    .update(agents)
    .set({ ...input, lastSeenAt: sql`now()`, drainRequested: false })
    .where(and(eq(agents.id, id), isNull(agents.revokedAt)))
    .returning({ id: agents.id });
  return rows.length > 0;
}

export type RevocationOutcome = { id: string; name: string; alreadyRevoked: boolean } | null;

/** Revokes the agent named (or with the id) `agent`; null when there is none. Idempotent. */
export async function revokeAgent(tx: Queryable, agent: string): Promise<RevocationOutcome> {
  const rows = await tx
    .select({ id: agents.id, name: agents.name, revokedAt: agents.revokedAt })
    .from(agents)
    .where(or(eq(agents.name, agent), eq(agents.id, agent)))
    .for('update');
  // An agent may be named like another's id: the id names exactly one, and wins.
  const row = rows.find((candidate) => candidate.id === agent) ?? rows[0];
  if (!row) return null;
  if (row.revokedAt) return { id: row.id, name: row.name, alreadyRevoked: true };
  await tx.update(agents).set({ revokedAt: sql`now()`, drainRequested: true }).where(eq(agents.id, row.id));
  return { id: row.id, name: row.name, alreadyRevoked: false };
}
