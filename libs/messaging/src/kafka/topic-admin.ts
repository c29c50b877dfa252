import { Kafka } from 'kafkajs';
import { TopicKey, TopicPartitions, Topics, topicName } from '@app/contracts';

/**
 * Creates the project's topics when missing. Every service calls this at start-up, so the order
 * in which services start does not matter; creating a topic that exists is a no-op.
 */
export async function ensureTopics(kafka: Kafka, prefix: string): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = (Object.keys(Topics) as TopicKey[])
      .map((key) => ({ key, topic: topicName(key, prefix) }))
      .filter(({ topic }) => !existing.has(topic));
    if (missing.length > 0) {
      await admin
        .createTopics({
          waitForLeaders: true,
          topics: missing.map(({ key, topic }) => ({
            topic,
            numPartitions: TopicPartitions[key],
            replicationFactor: -1,
          })),
        })
        .catch((error: unknown) => {
          // Another service created it between our list and our create.
          if (!String((error as Error).message).includes('already exists')) throw error;
        });
    }
    return missing.map(({ topic }) => topic);
  } finally {
    await admin.disconnect();
  }
}
