/**
 * Who may decide a gated stage, as a pure function of the gate's policy, the
 * run and the caller. The route already checked the `approve` role; this adds
 * the gate's own rules:
 *  - `approvers` (when listed): the caller is named, or holds `role:NAME`;
 *  - self-approval (unless `allow_self_approval`): the identity that triggered
 *    the run, the identity that asked for the rollback the gate holds, and
 *    whoever's e-mail is the commit's author or committer (compared
 *    case-insensitively), may not approve. They may still reject.
 */
import { isRole, type Principal } from '../domain/identity.js';
import type { Run } from '../domain/run.js';
import type { ApprovalPolicy } from '../pipeline/model.js';

export type Verdict = 'approved' | 'rejected';

/** Who stands behind what the gate would release: the run's trigger and commit, and a pending rollback's requester. */
export type GateSubject = Pick<Run, 'triggeredBy' | 'authorEmail' | 'committerEmail'> & {
  /** Set while the gate holds a rollback of this stage: who asked for it. */
  rollbackRequestedBy?: string | null;
};

/** Why `principal` may not give `decision` on the stage, or null when they may. */
export function refusalOf(
  principal: Principal,
  decision: Verdict,
  stageName: string,
  policy: ApprovalPolicy,
  run: GateSubject,
): string | null {
  if (policy.approvers.length > 0 && !policy.approvers.some((approver) => matches(principal, approver))) {
    return `${principal.name} is not an approver of stage "${stageName}" (approvers: ${policy.approvers.join(', ')})`;
  }
  const protection = policy.protection;
  if (protection && !protection.approvers.some((approver) => matches(principal, approver))) {
    return `${principal.name} is not an approver of the protected environment "${protection.environment}" (approvers: ${protection.approvers.join(', ')})`;
  }
  if (decision === 'rejected' || policy.allowSelfApproval) return null;
  const self = selfRelation(principal, run);
  return self ? `${self}; the gate of stage "${stageName}" does not allow self-approval` : null;
}

/** `alice` names the identity; `role:release` anyone holding that role (admin holds every built-in role). */
function matches(principal: Principal, approver: string): boolean {
  if (!approver.startsWith('role:')) return approver === principal.name;
  const role = approver.slice('role:'.length);
  return principal.roles.includes(role) || (principal.roles.includes('admin') && isRole(role));
}

function selfRelation(principal: Principal, run: GateSubject): string | null {
  if (run.triggeredBy === principal.name) return `${principal.name} triggered this run`;
  if (run.rollbackRequestedBy === principal.name) return `${principal.name} asked for this rollback`;
  const email = principal.email?.toLowerCase();
  if (!email) return null;
  if (run.authorEmail?.toLowerCase() === email) return `${principal.name} (${principal.email}) authored this commit`;
  if (run.committerEmail?.toLowerCase() === email) {
    return `${principal.name} (${principal.email}) committed this commit`;
  }
  return null;
}
