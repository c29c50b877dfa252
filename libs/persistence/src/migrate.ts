import { DataSource } from 'typeorm';
import { createDatabaseIfMissing } from './create-database';

export interface PrepareDatabaseOptions {
  /**
   * A role the service's connections act as once the migrations have run (the `role` startup
   * parameter on every pooled connection), so its privileges, not the migrating user's, bound
   * what the service can do. The migrations create it; the connecting user must be a member.
   */
  sessionRole?: string;
}

const ROLE_NAME = /^[a-z_][a-z0-9_]*$/;

/**
 * Brings a service's schema up to date: creates the database and schema when missing, then runs
 * pending migrations. Migrations of one service hold an advisory lock so that instances starting
 * together run them once.
 */
export async function prepareDatabase(
  dataSource: DataSource,
  url: string,
  schema: string,
  options: PrepareDatabaseOptions = {},
): Promise<void> {
  await createDatabaseIfMissing(url);
  if (!dataSource.isInitialized) await dataSource.initialize();
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock(hashtext($1))', [`migrations:${schema}`]);
    await runner.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [`migrations:${schema}`]);
    await runner.release();
  }
  if (options.sessionRole) await actAsRole(dataSource, options.sessionRole);
}

// Limitation: the login keeps its own privileges behind the role; a statement that ran
// `RESET ROLE` would get them back. A dedicated login that is only a member of the role closes
// that (see the ledger's README).
/**
 * Reopens the pool so that every connection, new or replaced, starts as `role`: a startup
 * parameter rather than SET ROLE after connecting, so no pooled connection is ever handed out
 * before the switch.
 */
export async function actAsRole(dataSource: DataSource, role: string): Promise<void> {
  if (!ROLE_NAME.test(role)) throw new Error(`"${role}" is not a plain PostgreSQL role name`);
  const extra = (dataSource.options.extra ?? {}) as Record<string, unknown>;
  const startupOptions = [extra.options, `-c role=${role}`].filter(Boolean).join(' ');

  if (dataSource.isInitialized) await dataSource.destroy();
  dataSource.setOptions({ extra: { ...extra, options: startupOptions } });
  await dataSource.initialize();

  const rows = (await dataSource.query('SELECT current_user AS role')) as { role: string }[];
  if (rows[0]?.role !== role) {
    throw new Error(`the database connections act as ${rows[0]?.role}, not as ${role}`);
  }
}
