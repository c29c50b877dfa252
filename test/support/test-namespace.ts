import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
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
  /** Drops the database, the topics and the consumer groups; call it once the services stopped. */
  drop(): Promise<void>;
}

export function createTestNamespace(name: string): TestNamespace {
  const id = `${name
    .replace(/[^a-z0-9]/gi, '')
    .toLowerCase()
    .slice(0, 20)}_${randomBytes(4).toString('hex')}`;
  const databaseUrl = `${serverUrl}/jit_test_${id}`;
  const prefix = `test.${id}.`;
  return {
    prefix,
    databaseUrl,
    drop: async () => {
      await dropDatabaseIfExists(databaseUrl);
      await removeTopicsAndGroups(prefix);
    },
  };
}

/** What the services created on the broker under the prefix, so test runs do not fill its disk. */
async function removeTopicsAndGroups(prefix: string): Promise<void> {
  const admin = new Kafka({
    clientId: 'test-cleanup',
    brokers: testBrokers,
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix));
    if (topics.length > 0) await admin.deleteTopics({ topics });
    const { groups } = await admin.listGroups();
    const groupIds = groups.map((group) => group.groupId).filter((id) => id.startsWith(prefix));
    // A group is only removable once its members left; one whose member died without leaving
    // stays until its session times out, and is left behind rather than failing the test.
    if (groupIds.length > 0) await admin.deleteGroups(groupIds).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
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
