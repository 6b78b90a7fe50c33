/**
 * Runs one replica's planning of a run under its planning claim
 * (store/planning-claims.ts): claimed first, extended while the work runs,
 * left to lapse afterwards. A run another replica is planning is skipped.
 */
import type { Database } from '../store/database.js';
import { claimPlanning, extendPlanningClaim } from '../store/planning-claims.js';

/** How long a claim holds without renewal: a replica that dies mid-planning delays the run by at most this. */
export const PLANNING_CLAIM_MS = 10_000;

/**
 * Calls `plan` if this replica wins the claim; resolves false (without
 * calling it) when another holds it. `held`: this replica holds it already
 * (it created the run claimed, see createRun), so only the renewal is left.
 */
export async function withPlanningClaim(
  db: Database,
  runId: string,
  plan: () => Promise<void>,
  options: { held?: boolean } = {},
): Promise<boolean> {
  if (!options.held && !(await claimPlanning(db, runId, PLANNING_CLAIM_MS))) return false;
  const renewal = setInterval(() => {
    void extendPlanningClaim(db, runId, PLANNING_CLAIM_MS).catch(() => {
      // The next renewal tries again; a lapsed claim at worst lets another replica plan it too (idempotent).
    });
  }, PLANNING_CLAIM_MS / 3);
  try {
    await plan();
    return true;
  } finally {
    clearInterval(renewal);
  }
}
