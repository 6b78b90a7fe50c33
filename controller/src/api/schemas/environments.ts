/** Bodies of /api/environments (see runs.ts for how the schemas are used). */
import { z } from '@hono/zod-openapi';
import { Deployment } from './deployments.js';

/** Environment names as `.gantry.yml` writes them; bounded. */
export const environmentName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'environment must be 1 to 64 letters, digits, ".", "_" or "-"')
  .openapi({ description: 'The environment a stage names with `environment:`.' });

const approver = z
  .string()
  .regex(
    /^(role:[a-z0-9-]{1,64}|[a-z0-9][a-z0-9._-]{0,63})$/,
    'each approver must be a token name or role:NAME (lower case)',
  );

/**
 * The rule `.gantry.yml` applies to `approval:` (pipeline/approval.ts): when
 * every approver is a named token, `required` is at most how many are named
 * (the same name twice is one approver), or no deployment could ever be
 * approved. A `role:NAME` approver may be held by any number of people, so a
 * list holding one sets no limit. Null when the requirement can be met.
 */
function unmeetableRequirement(protection: { approvers: string[]; required: number }): string | null {
  if (protection.approvers.some((approver) => approver.startsWith('role:'))) return null;
  const named = new Set(protection.approvers).size;
  if (protection.required <= named) return null;
  const listed = named === 1 ? '1 approver is named' : `${named} approvers are named`;
  return `requires ${protection.required} approvals but only ${listed}, so no deployment could ever be approved; name more approvers or a role:NAME`;
}

export const ProtectEnvironmentRequest = z
  .object({
    approvers: z
      .array(approver)
      .min(1, 'approvers must name at least one identity or role:NAME')
      .max(64, 'approvers: at most 64'),
    required: z
      .int()
      .min(1, 'required must be at least 1')
      .max(64, 'required must be at most 64')
      .openapi({ description: 'Approvals needed: at most the approvers named, unless one of them is a role:NAME.' }),
    branches: z
      .array(z.string().min(1).max(255))
      .min(1, 'branches must name at least one branch; leave it out for any')
      .max(64, 'branches: at most 64')
      .optional(),
  })
  .strict()
  .superRefine((protection, context) => {
    const problem = unmeetableRequirement(protection);
    if (problem) context.addIssue({ code: 'custom', path: ['required'], message: problem });
  })
  .openapi('ProtectEnvironmentRequest');

export const EnvironmentProtection = z
  .object({
    name: z.string(),
    approvers: z.array(z.string()),
    required: z.int(),
    branches: z.array(z.string()).nullable().openapi({ description: 'null: any branch.' }),
    updatedBy: z.string(),
    updatedAt: z.iso.datetime(),
  })
  .openapi('EnvironmentProtection');

export const EnvironmentList = z
  .object({
    environments: z.array(EnvironmentProtection).openapi({ description: 'The protected environments.' }),
    live: z
      .array(Deployment)
      .openapi({ description: 'What is live where: the latest deployment that succeeded in each environment.' }),
  })
  .openapi('EnvironmentList');

export const UnprotectedEnvironment = z
  .object({ name: z.string(), protected: z.literal(false) })
  .openapi('UnprotectedEnvironment');
