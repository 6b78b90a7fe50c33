/** The audit trail: one append-only event per decision a person made through the API (or Gantry took for them). */

export const auditActions = [
  'trigger',
  'approve',
  'reject',
  'cancel',
  'retry',
  'token.create',
  'token.revoke',
  'agent.drain',
  /** An agent enrolled and received its credential (actor `agent:NAME`). */
  'agent.enrol',
  /** An admin revoked an agent: its calls are refused and its running attempts fenced. */
  'agent.revoke',
  'agent_token.create',
  'agent_token.revoke',
  'environment.protect',
  'environment.unprotect',
  'repository.add',
  /** A job secret was set or deleted; details name it and its scope, never its value. */
  'secret.set',
  'secret.delete',
  'cache.clear',
  /** A request refused for want of a role. */
  'forbidden',
  /** An approve or reject the stage's gate refused (not an approver, self-approval). */
  'approval_refused',
  /** A gate's timeout passed: the stage and its run were rejected (actor `gantry`). */
  'approval_timeout',
  /** A newer run reached a `supersede: true` gate: this older run waiting there ended (actor `gantry`). */
  'supersede',
  /** A finished run's deploy stage was run again (`gantry deploy --environment E --run R`). */
  'environment.rollback',
] as const;
export type AuditAction = (typeof auditActions)[number];

/** The actor of decisions Gantry takes itself (timeouts, superseding). */
export const gantryActor = 'gantry';

export interface AuditEvent {
  id: number;
  /** Database time. */
  at: Date;
  /** The identity's name (`admin` for the bootstrap token). */
  actor: string;
  action: AuditAction;
  runId: string | null;
  sourceAddress: string | null;
  details: Record<string, unknown>;
}

export interface NewAuditEvent {
  actor: string;
  action: AuditAction;
  runId?: string | null;
  sourceAddress?: string | null;
  details?: Record<string, unknown>;
}
