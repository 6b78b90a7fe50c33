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

/** The gate a stage deploying to the protected environment gets, given the gate its file asks for. */
export function protectedGate(
  file: ApprovalPolicy | null,
  protection: EnvironmentProtection,
  ref: string,
): ApprovalPolicy {
  return {
    approvers: file?.approvers ?? [],
    required: Math.max(file?.required ?? 1, protection.required),
    allowSelfApproval: false,
    timeoutMs: file?.timeoutMs ?? null,
    protection: {
      environment: protection.name,
      approvers: protection.approvers,
      refusal: branchAllowed(protection.branches, ref)
        ? null
        : `environment "${protection.name}" only accepts deployments from ${protection.branches?.join(', ')}; this run is on ${ref}`,
    },
  };
}

function branchAllowed(branches: string[] | null, ref: string): boolean {
  if (branches === null) return true;
  const short = ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : ref;
  return branches.some((branch) => branch === short || branch === ref);
}
