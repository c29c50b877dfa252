import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { createServiceDataSource, prepareDatabase } from '@app/persistence';
import {
  ENTRY_RANGE_SQL,
  LedgerEntriesRepository,
  LedgerEntryRow,
  toStoredEntry,
} from '../apps/ledger/src/append/ledger-entries.repository';
import { ledgerMigrations } from '../apps/ledger/src/migrations';
import { createTestNamespace, TestNamespace, withDatabase } from './support/test-namespace';

const ENTRIES = 20000;

/** Rows shaped like entries, for reading only: nothing here verifies their hashes. */
async function insertEntries(client: Client, fromSeq: number, toSeq: number): Promise<void> {
  await client.query(
    `INSERT INTO ledger.ledger_entries
       (seq, event_id, event_type, partition_key, occurred_at, recorded_at, payload, prev_hash,
        hash)
     SELECT n, gen_random_uuid(), 'AccessRequested', 'key-' || n,
            '2026-12-03T10:00:00Z'::timestamptz + n * interval '1 millisecond', now(),
            '{"n":' || n || '}', repeat('0', 64), repeat('1', 64)
     FROM generate_series($1::bigint, $2::bigint) AS n`,
    [fromSeq, toSeq],
  );
}

/** What the read returned before it was bounded: the plain range, whatever the plan. */
async function plainRange(
  client: Client,
  afterSeq: number,
  untilSeq: number,
  limit: number,
): Promise<number[]> {
  const rows = await client.query<LedgerEntryRow>(ENTRY_RANGE_SQL, [afterSeq, untilSeq, limit]);
  return rows.rows.map((row) => toStoredEntry(row).seq);
}

describe('reading ledger entries by seq (real PostgreSQL)', () => {
  let namespace: TestNamespace;
  let dataSource: DataSource;
  const repository = new LedgerEntriesRepository();

  beforeAll(async () => {
    namespace = createTestNamespace('entriesread');
    dataSource = createServiceDataSource({
      url: namespace.databaseUrl,
      schema: 'ledger',
      migrations: ledgerMigrations,
      poolSize: 2,
      applicationName: 'jit-entries-read-test',
    });
    await prepareDatabase(dataSource, namespace.databaseUrl, 'ledger');
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await namespace?.drop();
  });

  it('reads a page of a table its statistics have not seen without reading what follows it', async () => {
    // Inserted in this transaction, never analyzed: what a ledger no ANALYZE has seen yet looks
    // like to the planner. Rolled back, so the later test starts empty.
    const plans = await withDatabase(namespace.databaseUrl, async (client) => {
      await client.query('BEGIN');
      try {
        await insertEntries(client, 1, ENTRIES);
        const explain = async (untilSeq: number) =>
          (
            await client.query<{ 'QUERY PLAN': string }>(
              `EXPLAIN (ANALYZE, COSTS OFF) ${ENTRY_RANGE_SQL}`,
              [0, untilSeq, 500],
            )
          ).rows
            .map((row) => row['QUERY PLAN'])
            .join('\n');
        return { unbounded: await explain(Number.MAX_SAFE_INTEGER), bounded: await explain(500) };
      } finally {
        await client.query('ROLLBACK');
      }
    });

    // Left to its statistics, PostgreSQL reads every entry after the cursor for one page.
    expect(plans.unbounded).toMatch(new RegExp(`rows=${ENTRIES}\\b`));
    expect(plans.bounded).not.toMatch(new RegExp(`rows=${ENTRIES}\\b`));
    expect(plans.bounded).not.toMatch(/rows=(50[1-9]|5[1-9]\d|[6-9]\d\d|\d{4,})\b/);
  });

  it('returns what the plain range returns, at the head and across entries missing from the chain', async () => {
    // 1–1000, then nothing until 1601–2000: a gap wider than a page, as a deleted range would be.
    await withDatabase(namespace.databaseUrl, async (client) => {
      await insertEntries(client, 1, 1000);
      await insertEntries(client, 1601, 2000);

      const cases: [number, number, number][] = [
        [0, Number.MAX_SAFE_INTEGER, 500],
        [500, Number.MAX_SAFE_INTEGER, 500],
        [900, Number.MAX_SAFE_INTEGER, 500],
        [1000, Number.MAX_SAFE_INTEGER, 500],
        [1000, 1700, 500],
        [1990, Number.MAX_SAFE_INTEGER, 500],
        [2000, Number.MAX_SAFE_INTEGER, 500],
        [10, 20, 500],
        [10, 5, 500],
        [0, Number.MAX_SAFE_INTEGER, 1],
      ];
      for (const [afterSeq, untilSeq, limit] of cases) {
        const read = await repository.readEntries(dataSource, afterSeq, untilSeq, limit);
        expect({ afterSeq, untilSeq, limit, seqs: read.map((entry) => entry.seq) }).toEqual({
          afterSeq,
          untilSeq,
          limit,
          seqs: await plainRange(client, afterSeq, untilSeq, limit),
        });
      }
      // The first statement of a read is bounded to the page, so the plan above is the one used.
      const statements: unknown[][] = [];
      const recording = {
        query: (sql: string, parameters?: unknown[]) => {
          statements.push(parameters ?? []);
          return dataSource.query(sql, parameters);
        },
      };
      await repository.readEntries(recording, 0, Number.MAX_SAFE_INTEGER, 500);
      expect(statements).toEqual([[0, 500, 500]]);

      const acrossTheGap = await repository.readEntries(
        dataSource,
        900,
        Number.MAX_SAFE_INTEGER,
        500,
      );
      expect(acrossTheGap.map((entry) => entry.seq)).toEqual([
        ...Array.from({ length: 100 }, (_, index) => 901 + index),
        ...Array.from({ length: 400 }, (_, index) => 1601 + index),
      ]);
    });
  });
});
