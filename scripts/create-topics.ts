/** Creates the project's topics on the broker at KAFKA_BROKERS (idempotent). */
import { z } from 'zod';
import { commonEnv, loadConfig } from '@app/platform';
import { createKafkaClient, ensureTopics } from '@app/messaging';

async function main(): Promise<void> {
  const env = loadConfig(
    z.object({
      KAFKA_BROKERS: commonEnv.KAFKA_BROKERS,
      KAFKA_TOPIC_PREFIX: commonEnv.KAFKA_TOPIC_PREFIX,
    }),
  );
  const kafka = createKafkaClient({
    brokers: env.KAFKA_BROKERS,
    clientId: 'jit-create-topics',
    topicPrefix: env.KAFKA_TOPIC_PREFIX,
  });
  const created = await ensureTopics(kafka, env.KAFKA_TOPIC_PREFIX);
  process.stdout.write(
    created.length ? `created topics: ${created.join(', ')}\n` : 'all topics already exist\n',
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).message}\n`);
  process.exit(1);
});
