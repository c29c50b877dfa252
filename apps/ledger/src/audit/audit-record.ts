import { StoredLedgerEntry } from '../append/ledger-entries.repository';

/**
 * What SIEMs receive for each ledger entry. `payload` is the exact string that was hashed, so a
 * reader can recompute `hash` from `prevHash`, `seq` and `payload` and follow the chain itself;
 * `event` is the same envelope, parsed, for convenience.
 */
export interface AuditRecord {
  seq: number;
  hash: string;
  prevHash: string;
  eventId: string;
  eventType: string;
  occurredAt: string;
  recordedAt: string;
  partitionKey: string;
  event: unknown;
  payload: string;
}

export function toAuditRecord(entry: StoredLedgerEntry): AuditRecord {
  return {
    seq: entry.seq,
    hash: entry.hash,
    prevHash: entry.prevHash,
    eventId: entry.eventId,
    eventType: entry.eventType,
    occurredAt: entry.occurredAt,
    recordedAt: entry.recordedAt,
    partitionKey: entry.partitionKey,
    event: JSON.parse(entry.payload) as unknown,
    payload: entry.payload,
  };
}

/**
 * Splits records, in order, into groups whose values add up to at most `maxBytes`, so no produce
 * request exceeds the broker's limit; a record larger than that travels alone.
 */
export function groupBySize<T extends { value: string }>(
  records: readonly T[],
  maxBytes: number,
): T[][] {
  const groups: T[][] = [];
  let current: T[] = [];
  let size = 0;
  for (const record of records) {
    const bytes = Buffer.byteLength(record.value, 'utf8');
    if (current.length > 0 && size + bytes > maxBytes) {
      groups.push(current);
      current = [];
      size = 0;
    }
    current.push(record);
    size += bytes;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}
