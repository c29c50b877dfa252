/**
 * Republishes the audit records of a seq range, marked replay, to the audit topic, straight from
 * the ledger's database, for a SIEM consumer that starts from a given seq:
 *   npm run audit:backfill -- --from-seq 1200 [--to-seq 1500] [--database-url postgres://...]
 * The same as POST /ledger/audit/backfill, for an operator with database access. Reads
 * DATABASE_URL, KAFKA_BROKERS and KAFKA_TOPIC_PREFIX. Exits 0 when every record was sent, 1 when
 * the range is not within the ledger, 2 on any other failure.
 */
import { Command, InvalidArgumentError } from 'commander';
import { Client } from 'pg';
import { z } from 'zod';
import { createKafkaClient, EventProducer } from '@app/messaging';
import { commonEnv, DomainError, loadConfig, TopicNames } from '@app/platform';
import { backfillAuditRecords } from '../apps/ledger/src/audit/backfill';

const BackfillEnv = z.object({
  DATABASE_URL: commonEnv.DATABASE_URL,
  KAFKA_BROKERS: commonEnv.KAFKA_BROKERS,
  KAFKA_TOPIC_PREFIX: commonEnv.KAFKA_TOPIC_PREFIX,
});

function seq(value: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 1) throw new InvalidArgumentError('a seq from 1');
  return parsed;
}

const program = new Command()
  .name('backfill-audit')
  .description('Republish a range of ledger entries (and its checkpoints) to the audit topic')
  .requiredOption('--from-seq <seq>', 'the first entry to republish', seq)
  .option('--to-seq <seq>', 'the last entry to republish (default: the head)', seq)
  .option('--database-url <url>', 'the ledger database (default: DATABASE_URL)')
  .parse();

async function main(): Promise<void> {
  const options = program.opts<{ fromSeq: number; toSeq?: number; databaseUrl?: string }>();
  const env = loadConfig(BackfillEnv, {
    ...process.env,
    DATABASE_URL: options.databaseUrl ?? process.env.DATABASE_URL,
  });
  const topics = new TopicNames(env.KAFKA_TOPIC_PREFIX);
  const client = new Client({
    connectionString: env.DATABASE_URL,
    application_name: 'jit-backfill',
  });
  const producer = new EventProducer(
    createKafkaClient({
      brokers: env.KAFKA_BROKERS,
      clientId: 'jit-audit-backfill',
      topicPrefix: env.KAFKA_TOPIC_PREFIX,
    }),
  );
  await client.connect();
  try {
    const database = {
      query: async (sql: string, params?: unknown[]) => (await client.query(sql, params)).rows,
    };
    const result = await backfillAuditRecords(
      database,
      { fromSeq: options.fromSeq, toSeq: options.toSeq },
      { topic: topics.auditRecords, send: (records) => producer.send(records) },
      (progress) => process.stderr.write(`sent through seq ${progress.throughSeq}\n`),
    );
    process.stdout.write(
      `backfilled seqs ${result.fromSeq} to ${result.toSeq} to ${topics.auditRecords}: ` +
        `${result.entries} entries, ${result.checkpoints} checkpoints, marked replay\n`,
    );
  } finally {
    await producer.disconnect();
    await client.end();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`could not backfill the audit topic: ${(error as Error).message}\n`);
  process.exitCode = error instanceof DomainError ? 1 : 2;
});
