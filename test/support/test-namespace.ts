import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { dropDatabaseIfExists } from '@app/persistence';

const serverUrl = process.env.TEST_DATABASE_SERVER_URL ?? 'postgres://postgres@127.0.0.1:5432';
export const testBrokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

/**
 * Each test file gets its own topics (by prefix), consumer groups and database, so files never
 * read each other's events and a rerun starts clean.
 */
export interface TestNamespace {
  prefix: string;
  databaseUrl: string;
  drop(): Promise<void>;
}

export function createTestNamespace(name: string): TestNamespace {
  const id = `${name
    .replace(/[^a-z0-9]/gi, '')
    .toLowerCase()
    .slice(0, 20)}_${randomBytes(4).toString('hex')}`;
  const databaseUrl = `${serverUrl}/jit_test_${id}`;
  return {
    prefix: `test.${id}.`,
    databaseUrl,
    drop: () => dropDatabaseIfExists(databaseUrl),
  };
}

/** A direct connection for assertions on what a service stored. */
export async function withDatabase<T>(
  url: string,
  work: (client: Client) => Promise<T>,
): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
