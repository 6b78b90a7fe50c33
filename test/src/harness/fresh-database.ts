import { inject } from 'vitest';
import { createDatabase } from './postgres.js';

/**
 * Creates a uniquely named, empty database on the integration run's Postgres
 * server (started by global-setup.ts) and returns its URL. Call it inside a
 * test or hook of the `integration` project, once per test that needs isolation.
 */
export function freshDatabase(): Promise<string> {
  return createDatabase(inject('postgresUrl'));
}
