import { Client } from 'pg';
import { describeDatabaseUrl } from './database-url';

/**
 * Creates the database named in the URL when the server does not have it yet. Several services
 * may start at once, so a concurrent creation by another one counts as success.
 */
export async function createDatabaseIfMissing(url: string): Promise<void> {
  const { database, maintenanceUrl } = describeDatabaseUrl(url);
  const client = new Client({ connectionString: maintenanceUrl });
  await client.connect();
  try {
    const existing = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (existing.rowCount === 0) {
      await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
    }
  } catch (error) {
    // 42P04: duplicate_database; 23505: the catalog's unique index, when two creations race.
    const code = (error as { code?: string }).code;
    if (code !== '42P04' && code !== '23505') throw error;
  } finally {
    await client.end();
  }
}

/** Drops the database named in the URL, closing its connections first; none there is no error. */
export async function dropDatabaseIfExists(url: string): Promise<void> {
  const { database, maintenanceUrl } = describeDatabaseUrl(url);
  const client = new Client({ connectionString: maintenanceUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${database.replace(/"/g, '""')}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
