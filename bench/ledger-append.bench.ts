// Usage: npm run bench (or: npm run build && node dist/bench/ledger-append.bench.js), against the local PostgreSQL.
import { randomBytes } from 'node:crypto';
import { DomainEvent } from '@app/contracts';
import { SystemClock } from '@app/domain';
import { createServiceDataSource, dropDatabaseIfExists, prepareDatabase } from '@app/persistence';
import { LedgerAppendService } from '../apps/ledger/src/append/ledger-append.service';
import { LedgerEntriesRepository } from '../apps/ledger/src/append/ledger-entries.repository';
import { verifyLedger } from '../apps/ledger/src/chain/ledger-verifier';
import { ledgerMigrations } from '../apps/ledger/src/migrations';
import { ProjectionApplier } from '../apps/ledger/src/projections/projection.applier';
import { aGrantedRequest, aGrantExpired } from '../apps/ledger/src/testing/ledger-event.builders';

/**
 * Measures how many events per second the ledger appends, with projections, when each
 * transaction carries one event and when it carries 500, and prints the ratio. Only the ratio is
 * meant to be compared between machines.
 */
const serverUrl = process.env.BENCH_DATABASE_SERVER_URL ?? 'postgres://postgres@127.0.0.1:5432';
const SINGLE_EVENTS = Number(process.env.BENCH_SINGLE_EVENTS ?? 2000);
const BATCHED_EVENTS = Number(process.env.BENCH_BATCHED_EVENTS ?? 30000);
const BATCH_SIZE = 500;

/** Events of granted requests that then expired: six per request, like the real lifecycle. */
function lifecycleEvents(count: number): DomainEvent[] {
  const events: DomainEvent[] = [];
  for (let index = 0; events.length < count; index += 1) {
    const request = aGrantedRequest({
      subject: `u-${index % 997}`,
      resource: `db:bench-${index % 31}`,
    });
    const expired = aGrantExpired({ grantId: request.grantId, requestId: request.requestId });
    events.push(...request.events, expired);
  }
  return events.slice(0, count);
}

async function appendInBatches(
  appender: LedgerAppendService,
  events: readonly DomainEvent[],
  batchSize: number,
): Promise<number> {
  const started = process.hrtime.bigint();
  for (let offset = 0; offset < events.length; offset += batchSize) {
    await appender.append(events.slice(offset, offset + batchSize));
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return events.length / seconds;
}

async function main(): Promise<void> {
  const url = `${serverUrl}/jit_bench_ledger_${randomBytes(4).toString('hex')}`;
  const dataSource = createServiceDataSource({
    url,
    schema: 'ledger',
    migrations: ledgerMigrations,
    poolSize: 2,
    applicationName: 'jit-ledger-bench',
  });
  try {
    await prepareDatabase(dataSource, url, 'ledger');
    const appender = new LedgerAppendService(
      dataSource,
      new LedgerEntriesRepository(),
      new ProjectionApplier(),
      new SystemClock(),
    );
    await appendInBatches(appender, lifecycleEvents(BATCH_SIZE), BATCH_SIZE);

    const single = await appendInBatches(appender, lifecycleEvents(SINGLE_EVENTS), 1);
    const batched = await appendInBatches(appender, lifecycleEvents(BATCHED_EVENTS), BATCH_SIZE);
    const verification = await verifyLedger(dataSource);

    console.log(
      `ledger append, batches of 1:   ${single.toFixed(0)} events/s (${SINGLE_EVENTS} events)`,
    );
    console.log(
      `ledger append, batches of 500: ${batched.toFixed(0)} events/s (${BATCHED_EVENTS} events)`,
    );
    console.log(`batched / single: ${(batched / single).toFixed(1)}x`);
    console.log(
      `chain after the run: ${verification.ok ? 'intact' : 'BROKEN'}, ${verification.headSeq} entries`,
    );
    if (!verification.ok) process.exitCode = 1;
  } finally {
    if (dataSource.isInitialized) await dataSource.destroy();
    await dropDatabaseIfExists(url);
  }
}

main().catch((error: unknown) => {
  console.error(`ledger append bench failed: ${(error as Error).stack ?? String(error)}`);
  process.exitCode = 1;
});
