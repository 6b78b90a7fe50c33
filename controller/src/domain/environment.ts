/**
 * Protected environments: an admin declares who must approve deployments to
 * an environment, how many, and from which branches. Every stage with
 * `environment: NAME` then gets at least that gate, whatever the commit's
 * `.gantry.yml` says: the file may raise `required` or narrow the approvers
 * (a caller must match both lists), never weaken the gate (no gate, or
 * `allow_self_approval: true`, in the file is ignored).
 */
import type { ApprovalPolicy } from '../pipeline/model.js';

export interface EnvironmentProtection {
  name: string;
  /** Token names or `role:NAME`; at least one. */
  approvers: string[];
  required: number;
  /** Refs a run must be on to deploy here (`main` or `refs/heads/main`); null: any. */
  branches: string[] | null;
  updatedBy: string;
  updatedAt: Date;
}

/**
 * The gate a stage deploying to the protected environment gets, given the gate
 * its file asks for. `ref` is the run's ref in full (`refs/heads/main`), or its
 * name as triggered when git named it no branch nor tag: only a branch, in
 * full, can be on a listed branch (a tag `main`, or a name git could not
 * qualify, never is).
 */
export function protectedGate(
  file: ApprovalPolicy | null,
  protection: EnvironmentProtection,
  ref: string,
): ApprovalPolicy {
  const branch = ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : null;
  return {
    approvers: file?.approvers ?? [],
    required: Math.max(file?.required ?? 1, protection.required),
    allowSelfApproval: false,
    timeoutMs: file?.timeoutMs ?? null,
    protection: {
      environment: protection.name,
      approvers: protection.approvers,
      refusal: branchAllowed(protection.branches, branch)
        ? null
        : `environment "${protection.name}" only accepts deployments from ${protection.branches?.join(', ')}; this run is on ${branch ?? `${ref}, which is not a branch`}`,
    },
  };
}

function branchAllowed(branches: string[] | null, branch: string | null): boolean {
  if (branches === null) return true;
  return branch !== null && branches.some((listed) => listed === branch || listed === `refs/heads/${branch}`);
}
