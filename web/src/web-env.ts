/** What the page's routes share: their Hono environment and the dependencies the controller hands in. */
import type { GantryClient } from '@gantry/client';
import type { Session, SessionKeys } from './session/session-seal.js';

/**
 * The controller's side of the page. The page never touches the database: it
 * calls the controller's own API in-process with the signed-in user's token,
 * so the API's roles, validation, audit and refusals apply to every click.
 */
/** The origin of the page's in-process API requests (they never leave the process). */
export const inProcessOrigin = 'http://controller.in-process';

export interface WebDeps {
  /** Answers an /api request in-process (the controller's `app.fetch`), given the incoming request's bindings. */
  api: (request: Request, bindings: unknown) => Promise<Response>;
  /** The secret the session and CSRF keys derive from (the controller passes GANTRY_ADMIN_TOKEN). */
  sessionSecret: string;
  /** Public base URL (GANTRY_PUBLIC_URL); cookies are `Secure` when it is https. */
  baseUrl: string;
  /** The clock, for session expiry (tests). */
  nowMs?: () => number;
}

export type WebEnv = {
  Variables: {
    session: Session | null;
    /** The API as the signed-in user; set by requireSession. */
    api: GantryClient;
    /** The CSRF token every form of the page carries. */
    csrf: string;
    keys: SessionKeys;
  };
};
