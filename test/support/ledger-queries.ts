import { EventEnvelope } from '@app/contracts';
import { TestStack } from './stack';
import { withDatabase } from './test-namespace';
import { waitFor } from './wait-for';

export interface LedgerRow {
  seq: number;
  event_id: string;
  event_type: string;
  partition_key: string;
  payload: string;
  prev_hash: string;
  hash: string;
}

/** The ledger as stored, in sequence order; optionally only one request's entries. */
export function ledgerRows(databaseUrl: string, partitionKey?: string): Promise<LedgerRow[]> {
  return withDatabase(databaseUrl, async (client) => {
    const result = await client.query<LedgerRow>(
      `SELECT seq::int AS seq, event_id, event_type, partition_key, payload, prev_hash, hash
       FROM ledger.ledger_entries
       WHERE $1::text IS NULL OR partition_key = $1
       ORDER BY seq`,
      [partitionKey ?? null],
    );
    return result.rows;
  });
}

export function eventTypes(rows: LedgerRow[]): string[] {
  return rows.map((row) => row.event_type);
}

/** Event types that occur more than once in the rows (there should be none per event id). */
export function duplicatedEventIds(rows: LedgerRow[]): string[] {
  const seen = new Set<string>();
  const duplicated: string[] = [];
  for (const row of rows) {
    if (seen.has(row.event_id)) duplicated.push(row.event_id);
    seen.add(row.event_id);
  }
  return duplicated;
}

export interface AuditRecordJson {
  seq: number;
  hash: string;
  prevHash: string;
  eventId: string;
  eventType: string;
  partitionKey: string;
}

/** Waits until the ledger holds `count` entries and the anomaly detector has read them all. */
export async function waitForDetection(stack: TestStack, count: number): Promise<void> {
  await waitFor(
    `${count} ledger entries read by the anomaly detector`,
    () =>
      withDatabase(stack.namespace.databaseUrl, async (client) => {
        const { rows } = await client.query<{ entries: string; cursor: string }>(
          `SELECT (SELECT count(*) FROM ledger.ledger_entries) AS entries,
             (SELECT last_seq FROM ledger.anomaly_detection) AS cursor`,
        );
        const row = rows[0]!;
        return Number(row.entries) >= count && Number(row.cursor) === Number(row.entries);
      }),
    60000,
    200,
  );
}

export type AnomalyEvent = EventEnvelope<'AnomalyDetected'>;

/** The AnomalyDetected events the ledger holds, in ledger order. */
export function recordedAnomalies(stack: TestStack): Promise<AnomalyEvent[]> {
  return withDatabase(stack.namespace.databaseUrl, async (client) => {
    const { rows } = await client.query<{ payload: string }>(
      `SELECT payload FROM ledger.ledger_entries WHERE event_type = 'AnomalyDetected' ORDER BY seq`,
    );
    return rows.map((row) => JSON.parse(row.payload) as AnomalyEvent);
  });
}
