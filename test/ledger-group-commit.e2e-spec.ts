import { DataSource } from 'typeorm';
import { DomainEvent } from '@app/contracts';
import { Clock } from '@app/domain';
import { createServiceDataSource, prepareDatabase } from '@app/persistence';
import { LedgerAppendService } from '../apps/ledger/src/append/ledger-append.service';
import { LedgerEntriesRepository } from '../apps/ledger/src/append/ledger-entries.repository';
import { verifyLedger } from '../apps/ledger/src/chain/ledger-verifier';
import { ledgerMigrations } from '../apps/ledger/src/migrations';
import { ProjectionApplier } from '../apps/ledger/src/projections/projection.applier';
import {
  aGrantedRequest,
  aGrantExpired,
  anAccessRevoked,
  BASE_TIME,
} from '../apps/ledger/src/testing/ledger-event.builders';
import { createTestNamespace, TestNamespace } from './support/test-namespace';

/** Each reading is a millisecond after the one before, so each transaction has its own instant. */
class TickingClock implements Clock {
  private current = Date.parse(BASE_TIME);

  now(): Date {
    this.current += 1;
    return new Date(this.current);
  }
}

/** One request's events per batch, as the consumer hands over one partition's records. */
function partitionBatches(): DomainEvent[][] {
  const batches: DomainEvent[][] = [];
  for (let index = 0; index < 8; index += 1) {
    const request = aGrantedRequest({ subject: `u-${index}`, resource: `db:group-${index % 3}` });
    const ended = index % 2 === 0;
    batches.push([
      ...request.events,
      ...(ended
        ? [
            aGrantExpired({ grantId: request.grantId, requestId: request.requestId }),
            anAccessRevoked({ lastGrantId: request.grantId, requestId: request.requestId }),
          ]
        : []),
    ]);
  }
  // A record redelivered to another batch: it must be recorded once, where it first came.
  batches[5]!.push({ ...batches[2]![1]! });
  return batches;
}

async function ledgerAt(namespace: TestNamespace): Promise<DataSource> {
  const dataSource = createServiceDataSource({
    url: namespace.databaseUrl,
    schema: 'ledger',
    migrations: ledgerMigrations,
    poolSize: 2,
    applicationName: 'jit-group-commit-test',
  });
  await prepareDatabase(dataSource, namespace.databaseUrl, 'ledger');
  return dataSource;
}

const appenderOver = (dataSource: DataSource) =>
  new LedgerAppendService(
    dataSource,
    new LedgerEntriesRepository(),
    new ProjectionApplier(),
    new TickingClock(),
  );

/** The projections as rows, without the instants the ledger stamped when it recorded them. */
async function projections(dataSource: DataSource): Promise<unknown> {
  return {
    entries: await dataSource.query(
      'SELECT seq, event_id, payload, prev_hash, hash FROM ledger.ledger_entries ORDER BY seq',
    ),
    currentGrants: await dataSource.query('SELECT * FROM ledger.current_grants ORDER BY grant_id'),
    grantHistory: await dataSource.query('SELECT * FROM ledger.grant_history ORDER BY grant_id'),
    auditTrail: await dataSource.query(
      `SELECT seq, event_id, event_type, occurred_at, actor, subject, resource, role, request_id,
         grant_id, opt_out_id, summary
       FROM ledger.audit_trail ORDER BY seq`,
    ),
  };
}

describe('ledger group commit (real PostgreSQL)', () => {
  const namespaces: TestNamespace[] = [];
  const dataSources: DataSource[] = [];

  async function freshLedger(name: string): Promise<DataSource> {
    const namespace = createTestNamespace(name);
    namespaces.push(namespace);
    const dataSource = await ledgerAt(namespace);
    dataSources.push(dataSource);
    return dataSource;
  }

  afterAll(async () => {
    await Promise.all(dataSources.map((dataSource) => dataSource.destroy()));
    await Promise.all(namespaces.map((namespace) => namespace.drop()));
  });

  it('appends batches handed over together in one transaction, as appending them one by one does', async () => {
    const batches = partitionBatches();
    const grouped = await freshLedger('groupcommit');
    const oneByOne = await freshLedger('onebyone');

    const groupedAppender = appenderOver(grouped);
    const groupedResults = await Promise.all(batches.map((batch) => groupedAppender.append(batch)));
    const sequentialAppender = appenderOver(oneByOne);
    for (const batch of batches) await sequentialAppender.append(batch);

    // The first batch finds no transaction open and goes alone; the seven behind it go together.
    const transactions = (await grouped.query(
      'SELECT count(DISTINCT recorded_at)::int AS count FROM ledger.ledger_entries',
    )) as { count: number }[];
    expect(transactions[0]!.count).toBe(2);
    const sequentialTransactions = (await oneByOne.query(
      'SELECT count(DISTINCT recorded_at)::int AS count FROM ledger.ledger_entries',
    )) as { count: number }[];
    expect(sequentialTransactions[0]!.count).toBe(batches.length);

    expect(await projections(grouped)).toEqual(await projections(oneByOne));
    expect(await verifyLedger(grouped)).toMatchObject({ ok: true });
    const events = batches.flat().length;
    expect(groupedResults.reduce((sum, result) => sum + result.appended, 0)).toBe(events - 1);
    expect(groupedResults[5]).toMatchObject({ duplicates: 1 });
    expect(groupedResults.map((result) => result.head.seq)).toEqual([
      batches[0]!.length,
      ...Array(batches.length - 1).fill(events - 1),
    ]);
  });
});
