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

export const ProtectEnvironmentRequest = z
  .object({
    approvers: z
      .array(approver)
      .min(1, 'approvers must name at least one identity or role:NAME')
      .max(64, 'approvers: at most 64'),
    required: z.int().min(1, 'required must be at least 1').max(64, 'required must be at most 64'),
    branches: z
      .array(z.string().min(1).max(255))
      .min(1, 'branches must name at least one branch; leave it out for any')
      .max(64, 'branches: at most 64')
      .optional(),
  })
  .strict()
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
