/**
 * Notices dead agents within seconds. Each agent holds one Connect stream;
 * when it closes, the agent gets `reconnectGraceMs` to open a new one (on any
 * replica — the session id in the database tells). If it does not, its
 * running attempts end `lost` at once instead of waiting for the lease TTL.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { closeAgentSession, isSessionCurrent, openAgentSession } from '../store/agents-repository.js';
import type { Database } from '../store/database.js';
import type { Reaper } from './reaper.js';

export class AgentPresence {
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(private readonly deps: { db: Database; reaper: Reaper; log: Logger; reconnectGraceMs: number }) {}

  /** Records a new Connect stream; returns its session id, or null for an unknown agent. */
  async connected(agentId: string): Promise<string | null> {
    const sessionId = randomUUID();
    const known = await openAgentSession(this.deps.db, agentId, sessionId);
    return known ? sessionId : null;
  }

  /** The stream of `sessionId` ended. Idempotent per session. */
  disconnected(agentId: string, sessionId: string): void {
    if (this.stopped) return;
    void closeAgentSession(this.deps.db, agentId, sessionId).catch((error) =>
      this.deps.log.warn({ err: error, agentId }, 'cannot record agent disconnect'),
    );
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.checkGone(agentId, sessionId);
    }, this.deps.reconnectGraceMs);
    this.timers.add(timer);
  }

  /** Shutdown: streams closing because this controller stops are not agent deaths. */
  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private async checkGone(agentId: string, sessionId: string): Promise<void> {
    if (this.stopped) return;
    try {
      if (!(await isSessionCurrent(this.deps.db, agentId, sessionId))) return;
      this.deps.log.warn({ agentId, graceMs: this.deps.reconnectGraceMs }, 'agent disconnected and did not return');
      await this.deps.reaper.reapAgent(agentId, 'agent disconnected');
    } catch (error) {
      this.deps.log.error({ err: error, agentId }, 'cannot end attempts of a disconnected agent');
    }
  }
}
