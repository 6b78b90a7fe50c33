/** Bodies of /api/secrets: names and scopes only; a value goes in and never comes out. */
import { z } from '@hono/zod-openapi';

export const secretName = z
  .string()
  .regex(
    /^[A-Za-z_][A-Za-z0-9_]{0,127}$/,
    'a secret name is an environment variable name: letters, digits and _, not starting with a digit, at most 128',
  )
  .refine((name) => !name.startsWith('GANTRY_') && name !== 'GANTRY' && name !== 'CI', {
    message: "GANTRY, GANTRY_* and CI are reserved for Gantry's own variables",
  })
  .openapi({ param: { name: 'name', in: 'path' }, example: 'DEPLOY_KEY' });

/** The repository a secret is scoped to, as runs name it; absent or '' = every repository. */
const repo = z
  .string()
  .trim()
  .max(4096)
  .regex(/^\S*$/, 'repo must not contain spaces')
  .openapi({ description: "The repository (as runs name it) whose jobs get this secret; '' or absent: every one." });

/** Shortest value that is masked in logs: shorter ones would hide ordinary text and mask nothing useful. */
export const minSecretChars = 4;
export const maxSecretBytes = 32 * 1024;

export const SetSecretRequest = z
  .object({
    value: z
      .string()
      .min(minSecretChars, `value must be at least ${minSecretChars} characters, or logs could not mask it`)
      .refine((value) => Buffer.byteLength(value) <= maxSecretBytes, `value must be at most ${maxSecretBytes} bytes`)
      .refine((value) => !value.includes('\0'), 'value must not contain a NUL byte')
      .openapi({ description: 'The value; stored encrypted, never returned.' }),
    repo: repo.optional(),
  })
  .strict()
  .openapi('SetSecretRequest');

/** Strict: a misspelt `repo` must not widen a delete to the farm-wide secret. */
export const SecretScopeQuery = z.object({ repo: repo.optional() }).strict();

export const Secret = z
  .object({ name: z.string(), repo: z.string(), updatedBy: z.string(), updatedAt: z.iso.datetime() })
  .openapi('Secret');

export const SecretList = z.object({ secrets: z.array(Secret) }).openapi('SecretList');

export const DeletedSecret = z
  .object({ name: z.string(), repo: z.string(), deleted: z.literal(true) })
  .openapi('DeletedSecret');
