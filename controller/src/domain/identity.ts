/**
 * Who is calling the API and what they may do. Roles: `read` (look at runs,
 * agents, the audit trail), `trigger` (start, cancel, retry runs), `approve`
 * (decide gated stages), `admin` (tokens, draining agents; implies every role).
 * A token may also hold custom role names (e.g. `release`): they grant no API
 * permission, they only name a group a stage's gate can list as `role:NAME`.
 */

export const roleNames = ['read', 'trigger', 'approve', 'admin'] as const;
export type Role = (typeof roleNames)[number];

/** A built-in role or a custom group name. */
export const roleNamePattern = /^[a-z0-9-]{1,64}$/;
/** How many roles one token may hold. */
export const maxRolesPerToken = 32;

/** The identity behind a request's bearer token. */
export interface Principal {
  name: string;
  /** Built-in roles and custom role names. */
  roles: string[];
  email: string | null;
}

/** The bootstrap identity of GANTRY_ADMIN_TOKEN. */
export const bootstrapAdminName = 'admin';

export function hasRole(principal: Principal, role: Role): boolean {
  return principal.roles.includes('admin') || principal.roles.includes(role);
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (roleNames as readonly string[]).includes(value);
}
