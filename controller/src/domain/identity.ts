/**
 * Who is calling the API and what they may do. Roles: `read` (look at runs,
 * agents, the audit trail), `trigger` (start, cancel, retry runs), `approve`
 * (decide gated stages), `admin` (tokens, draining agents; implies every role).
 */

export const roleNames = ['read', 'trigger', 'approve', 'admin'] as const;
export type Role = (typeof roleNames)[number];

/** The identity behind a request's bearer token. */
export interface Principal {
  name: string;
  roles: Role[];
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
