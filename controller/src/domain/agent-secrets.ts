/**
 * Agent secrets: enrolment tokens (`gantry_enrol_…`, made by an admin) and the
 * credential each agent receives when it enrols (`gantry_agent_…`). Both are
 * 32 random bytes in base64url behind a recognisable prefix; the controller
 * keeps only their SHA-256.
 */
import { createHash, randomBytes } from 'node:crypto';

export const enrolmentTokenPrefix = 'gantry_enrol_';
export const agentCredentialPrefix = 'gantry_agent_';

export function generateEnrolmentToken(): string {
  return `${enrolmentTokenPrefix}${randomBytes(32).toString('base64url')}`;
}

export function generateAgentCredential(): string {
  return `${agentCredentialPrefix}${randomBytes(32).toString('base64url')}`;
}

/** Hex SHA-256 of a secret as presented. */
export function hashAgentSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** The identifier `gantry agent-token list|revoke` shows for an enrolment token: 12 hex digits. */
export function generateEnrolmentTokenId(): string {
  return randomBytes(6).toString('hex');
}

/** The `enrolled_with` of agents enrolled with the standing GANTRY_AGENT_TOKEN. */
export const standingEnrolmentToken = 'GANTRY_AGENT_TOKEN';
