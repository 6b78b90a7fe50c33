/**
 * The append-only audit trail. Rows are only ever inserted: the database
 * refuses UPDATE, DELETE and TRUNCATE on `audit_events` (a trigger added by
 * migration 0002), so nothing here could change history even by mistake.
 */
import { and, desc, eq, lt, type SQL } from 'drizzle-orm';
import type { AuditAction, AuditEvent, NewAuditEvent } from '../domain/audit.js';
import type { Queryable } from './database.js';
import { auditEvents } from './schema.js';

/** Appends one event; pass the transaction of the change it records so both land or neither. */
export async function recordAuditEvent(db: Queryable, event: NewAuditEvent): Promise<void> {
  await db.insert(auditEvents).values({
    actor: event.actor,
    action: event.action,
    runId: event.runId ?? null,
    sourceAddress: event.sourceAddress ?? null,
    details: event.details ?? {},
  });
}

export interface AuditQuery {
  runId?: string | undefined;
  actor?: string | undefined;
  action?: AuditAction | undefined;
  /** Only events older than this event id. */
  before?: number | undefined;
  limit: number;
}

/** Newest first (by id, the order events were recorded in); every filter given must match. */
export async function listAuditEvents(db: Queryable, query: AuditQuery): Promise<AuditEvent[]> {
  const filters: SQL[] = [];
  if (query.runId !== undefined) filters.push(eq(auditEvents.runId, query.runId));
  if (query.actor !== undefined) filters.push(eq(auditEvents.actor, query.actor));
  if (query.action !== undefined) filters.push(eq(auditEvents.action, query.action));
  if (query.before !== undefined) filters.push(lt(auditEvents.id, query.before));
  const rows = await db
    .select()
    .from(auditEvents)
    .where(filters.length > 0 ? and(...filters) : undefined)
    .orderBy(desc(auditEvents.id))
    .limit(query.limit);
  return rows.map((row) => ({
    id: row.id,
    at: row.at,
    actor: row.actor,
    action: row.action as AuditAction,
    runId: row.runId,
    sourceAddress: row.sourceAddress,
    details: row.details as Record<string, unknown>,
  }));
}
