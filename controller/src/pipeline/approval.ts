/**
 * A stage's `approval:` gate. Absent or `false` → no gate; `true` → anyone
 * with the `approve` role, one approval; a mapping spells the policy out.
 */
import type { Path } from './locate.js';
import type { ApprovalPolicy } from './model.js';
import type { ProblemCollector } from './problems.js';
import { describe, readBoolean, readDurationMs, readInteger, readMapping, readStringList } from './schema.js';

export const APPROVAL_KEYS = ['approvers', 'required', 'allow_self_approval', 'timeout'];

export function defaultApproval(): ApprovalPolicy {
  return { approvers: [], required: 1, allowSelfApproval: false, timeoutMs: null };
}

export function readApproval(problems: ProblemCollector, value: unknown, path: Path): ApprovalPolicy | null {
  if (value === undefined || value === null || value === false) return null;
  if (value === true) return defaultApproval();
  if (typeof value !== 'object' || Array.isArray(value)) {
    problems.report(path, `approval must be true, false or a mapping (got ${describe(value)})`);
    return null;
  }
  const approval = defaultApproval();
  const mapping = readMapping(problems, value, path, APPROVAL_KEYS, 'approval');
  if (mapping === undefined) return approval;

  if (mapping.approvers !== undefined) {
    const approversPath = [...path, 'approvers'];
    approval.approvers = readStringList(problems, mapping.approvers, approversPath, 'approvers') ?? [];
    approval.approvers.forEach((approver, index) => {
      if (approver.startsWith('role:') && approver.slice('role:'.length).trim() === '') {
        problems.report([...approversPath, index], `approver "${approver}" names no role; write role:NAME`);
      } else if (approval.approvers.indexOf(approver) !== index) {
        problems.report([...approversPath, index], `approver "${approver}" is listed twice`);
      }
    });
  }
  if (mapping.required !== undefined) {
    approval.required = readInteger(problems, mapping.required, [...path, 'required'], 1) ?? approval.required;
    // Only named tokens can be counted; a role may hold any number of people.
    const onlyNamed = approval.approvers.length > 0 && approval.approvers.every((a) => !a.startsWith('role:'));
    if (onlyNamed && approval.required > approval.approvers.length) {
      problems.report(
        [...path, 'required'],
        `requires ${approval.required} approvals but only ${listed(approval.approvers.length)}`,
      );
    }
  }
  if (mapping.allow_self_approval !== undefined) {
    const allow = readBoolean(problems, mapping.allow_self_approval, [...path, 'allow_self_approval']);
    approval.allowSelfApproval = allow ?? false;
  }
  if (mapping.timeout !== undefined) {
    approval.timeoutMs = readDurationMs(problems, mapping.timeout, [...path, 'timeout']) ?? null;
  }
  return approval;
}

function listed(count: number): string {
  return count === 1 ? '1 approver is listed' : `${count} approvers are listed`;
}
