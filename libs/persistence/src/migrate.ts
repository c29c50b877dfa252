import { DataSource } from 'typeorm';
import { createDatabaseIfMissing } from './create-database';

/**
 * Brings a service's schema up to date: creates the database and schema when missing, then runs
 * pending migrations. Migrations of one service hold an advisory lock so that instances starting
 * together run them once.
 */
export async function prepareDatabase(dataSource: DataSource, url: string, schema: string) {
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
}
