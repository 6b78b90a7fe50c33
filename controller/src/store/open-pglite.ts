/**
 * Embedded PGlite in a data directory (see database.ts): a module of its own,
 * loaded only by a controller without a PostgreSQL URL.
 */
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { restrictToOwner } from '../owner-only-files.js';
import { batchedPgliteClient } from './pglite-client.js';
import { ensurePgliteCluster } from './pglite-cluster.js';
import * as schema from './schema.js';

/** Opens (creating it if need be) and migrates the database in `dir`; database.ts gives it its common type. */
export async function openPglite(dir: string, migrationsFolder: string) {
  await restrictToOwner(dir, 0);
  await ensurePgliteCluster(dir);
  const client = await PGlite.create(dir);
  // PGlite unpacks its initial cluster with mode 0666 whatever the umask; files it adds later are 0600.
  await restrictToOwner(dir);
  const db = drizzlePglite({ client: batchedPgliteClient(client), schema });
  await migratePglite(db, { migrationsFolder });
  return { db, close: () => client.close() };
}
