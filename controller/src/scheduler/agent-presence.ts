/**
 * Notices dead agents within seconds, with every fact in the database so any
 * replica can act on it. Each agent holds one Connect stream on one replica.
 * The replica holding it records the session when it opens and closes, and
 * vouches for it every SESSION_STALE_MS / 5 while it stays open. Every
 * replica sweeps: an agent holding leases whose session closed more than
 * `reconnectGraceMs` ago, or that no replica vouched for lately (its replica
 * crashed and the agent did not reconnect to another), has its running
 * attempts ended `lost` at once instead of waiting for the lease TTL. Ending
 * an attempt is conditional on its lease, so replicas sweeping together
 * end it once.
 *
 * The sweep stays disarmed after this replica starts for SESSION_STALE_MS
 * plus the grace, so agents of a farm whose every replica was down have time
 * to reconnect; and, like the reaper, for one lease TTL after any database
 * error: while the database was away no replica could vouch for any session,
 * which says nothing about agents.
 */
import { randomUUID } from 'node:crypto';
import { sleep } from '@gantry/common';
import type { Logger } from 'pino';
import { ConflictError } from '../domain/errors.js';
import {
  closeAgentSession,
  findGoneAgentsWithLeases,
  isAgentGone,
  openAgentSession,
  refreshAgentSessions,
  SESSION_STALE_MS,
} from '../store/agents-repository.js';
import type { Database } from '../store/database.js';
import type { Reaper } from './reaper.js';

export interface AgentPresenceDeps {
  db: Database;
  reaper: Pick<Reaper, 'reapAgent'>;
  log: Logger;
  reconnectGraceMs: number;
  leaseTtlMs: number;
  /** Monotonic clock in ms; injectable for tests. */
  now?: () => number;
}

export class AgentPresence {
  /** Sessions whose Connect stream is open on this replica, by session id. */
  private readonly sessions = new Map<string, string>();
  private stopped = false;
  private armedAt: number;
  private readonly now: () => number;

  constructor(private readonly deps: AgentPresenceDeps) {
    this.now = deps.now ?? (() => performance.now());
    this.armedAt = this.now() + SESSION_STALE_MS + deps.reconnectGraceMs;
  }

  /**
   * Records a new Connect stream, begun `callAgeMs()` ago; returns its session
   * id, or null for an unknown agent. Refuses (CONFLICT) a stream begun before
   * the one holding the agent's session.
   */
  async connected(agentId: string, callAgeMs: () => number): Promise<string | null> {
    const sessionId = randomUUID();
    const opening = await openAgentSession(this.deps.db, agentId, sessionId, callAgeMs);
    if (opening === 'unknown_agent') return null;
    if (opening === 'superseded') {
      throw new ConflictError(`a Connect of agent ${agentId} begun later holds its session`);
    }
    this.sessions.set(sessionId, agentId);
    return sessionId;
  }

  /** The stream of `sessionId` ended. Idempotent per session. */
  disconnected(agentId: string, sessionId: string): void {
    this.sessions.delete(sessionId);
    if (this.stopped) return;
    void closeAgentSession(this.deps.db, agentId, sessionId).catch((error) =>
      this.deps.log.warn({ err: error, agentId }, 'cannot record agent disconnect'),
    );
  }

  /**
   * Shutdown: streams closing because this replica stops are not agent
   * deaths. Their sessions are left open; the agents reconnect to another
   * replica (or to this one restarted) well within the staleness bound.
   */
  stop(): void {
    this.stopped = true;
  }

  /**
   * Vouches and sweeps until `signal` aborts. Never throws. The two run in
   * loops of their own: a sweep reaping hundreds of agents takes a while,
   * and vouching must not wait for it, or the other replicas would take this
   * replica's live agents for gone.
   */
  async run(signal: AbortSignal): Promise<void> {
    const intervalMs = Math.max(100, Math.min(SESSION_STALE_MS / 5, Math.floor(this.deps.reconnectGraceMs / 2)));
    const every = async (pass: () => Promise<void>) => {
      while (!signal.aborted && !this.stopped) {
        await pass();
        await sleep(intervalMs, signal);
      }
    };
    await Promise.all([every(() => this.vouch()), every(() => this.sweep())]);
  }

  /** Vouches for the sessions this replica holds. Never throws. */
  async vouch(): Promise<void> {
    try {
      await refreshAgentSessions(this.deps.db, [...this.sessions.keys()]);
    } catch (error) {
      this.pause('vouching', error);
    }
  }

  /**
   * When armed, ends the leases of gone agents. Each agent is checked again
   * just before its turn (one listed at the start of a long sweep may have
   * come back since), and each of its attempts is ended only while it is
   * still gone, in the same transaction. Never throws.
   */
  async sweep(): Promise<void> {
    if (this.now() < this.armedAt) return;
    const { db, reconnectGraceMs: graceMs } = this.deps;
    try {
      for (const agentId of await findGoneAgentsWithLeases(db, graceMs)) {
        if (this.now() < this.armedAt || !(await isAgentGone(db, agentId, graceMs))) continue;
        this.deps.log.warn({ agentId, graceMs }, 'agent disconnected and did not return');
        await this.deps.reaper.reapAgent(agentId, 'agent disconnected', { onlyIfAgentGoneMs: graceMs });
      }
    } catch (error) {
      this.pause('sweep', error);
    }
  }

  /** The database failed: while it was away no replica could vouch, so agent expiry waits one lease TTL. */
  private pause(what: 'vouching' | 'sweep', error: unknown): void {
    this.armedAt = this.now() + this.deps.leaseTtlMs;
    this.deps.log.error({ err: error }, `agent presence ${what} failed; agent expiry paused for one lease TTL`);
  }
}
