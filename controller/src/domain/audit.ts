/** The audit trail: one append-only event per decision a person made through the API. */

export const auditActions = [
  'trigger',
  'approve',
  'reject',
  'cancel',
  'retry',
  'token.create',
  'token.revoke',
  'agent.drain',
  /** A request refused for want of a role. */
  'forbidden',
] as const;
export type AuditAction = (typeof auditActions)[number];

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
