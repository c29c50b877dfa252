import { Admin, Kafka } from 'kafkajs';
import { TopicKey, TopicPartitions, Topics, topicName } from '@app/contracts';

const ATTEMPTS = 15;

/**
 * Creates the project's topics when missing and returns once the broker serves metadata for all
 * of them. Every service calls this at start-up, so the order in which services start does not
 * matter; creating a topic that exists is a no-op.
 */
export async function ensureTopics(kafka: Kafka, prefix: string): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const created: string[] = [];
    for (let attempt = 1; ; attempt += 1) {
      try {
        created.push(...(await createMissing(admin, prefix)));
        // A KRaft broker can answer "unknown topic" for a moment after a creation.
        await admin.fetchTopicMetadata({ topics: allTopics(prefix).map(({ topic }) => topic) });
        return created;
      } catch (error) {
        if (!(error as { retriable?: boolean }).retriable || attempt >= ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.min(2000, 100 * attempt)));
      }
    }
  } finally {
    await admin.disconnect();
  }
}

/**
 * Deletes consumer groups once their members have left, e.g. the throwaway group of a one-off
 * reader, which would otherwise stay on the broker until its offsets expire.
 */
export async function deleteConsumerGroups(kafka: Kafka, groupIds: string[]): Promise<void> {
  if (groupIds.length === 0) return;
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.deleteGroups(groupIds);
  } finally {
    await admin.disconnect();
  }
}

function allTopics(prefix: string): { key: TopicKey; topic: string }[] {
  return (Object.keys(Topics) as TopicKey[]).map((key) => ({ key, topic: topicName(key, prefix) }));
}

async function createMissing(admin: Admin, prefix: string): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = allTopics(prefix).filter(({ topic }) => !existing.has(topic));
  if (missing.length === 0) return [];
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map(({ key, topic }) => ({
        topic,
        numPartitions: TopicPartitions[key],
        replicationFactor: -1,
      })),
    });
  } catch (error) {
    // Another service created it between our list and our create.
    if (!String((error as Error).message).includes('already exists')) throw error;
  }
  return missing.map(({ topic }) => topic);
}
