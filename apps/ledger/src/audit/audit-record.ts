import { DomainEvent } from '@app/contracts';
import { StoredLedgerEntry } from '../append/ledger-entries.repository';
import { LedgerCheckpoint } from '../chain/checkpoint-signature';
import { EcsFields, ecsFieldsOf } from './ecs-mapping';

/** The key of checkpoint records on the audit topic; entries travel under their partition key. */
export const CHECKPOINT_RECORD_KEY = 'checkpoint';

/**
 * What SIEMs receive for each ledger entry. `payload` is the exact string that was hashed, so a
 * reader can recompute `hash` from `prevHash`, `seq` and `payload` and follow the chain itself.
 * The Elastic Common Schema fields (`@timestamp`, `event`, `user`, `related`, `jit`, …) are derived
 * from the payload alone, so a backfilled record equals the live one but for `replay`; the parsed
 * envelope is `jit.event`, because ECS owns the top-level `event`.
 */
export type EntryAuditRecord = {
  recordType: 'entry';
  /** True when a backfill republished it; the live publisher sends each entry once, in order. */
  replay: boolean;
  seq: number;
  hash: string;
  prevHash: string;
  eventId: string;
  eventType: string;
  occurredAt: string;
  recordedAt: string;
  partitionKey: string;
  payload: string;
} & EcsFields;

/** A signed checkpoint as it travels on the audit topic, after the entry it names. */
export interface CheckpointAuditRecord extends LedgerCheckpoint {
  recordType: 'checkpoint';
  replay: boolean;
}

export type AuditTopicRecord = EntryAuditRecord | CheckpointAuditRecord;

/** The entry record, by the name it had before checkpoints shared the topic. */
export type AuditRecord = EntryAuditRecord;

export interface AuditRecordOptions {
  replay?: boolean;
}

export function toAuditRecord(
  entry: StoredLedgerEntry,
  options: AuditRecordOptions = {},
): EntryAuditRecord {
  const event = JSON.parse(entry.payload) as DomainEvent;
  return {
    recordType: 'entry',
    replay: options.replay ?? false,
    seq: entry.seq,
    hash: entry.hash,
    prevHash: entry.prevHash,
    eventId: entry.eventId,
    eventType: entry.eventType,
    occurredAt: entry.occurredAt,
    recordedAt: entry.recordedAt,
    partitionKey: entry.partitionKey,
    payload: entry.payload,
    ...ecsFieldsOf(event, entry),
  };
}

export function toCheckpointAuditRecord(
  checkpoint: LedgerCheckpoint,
  options: AuditRecordOptions = {},
): CheckpointAuditRecord {
  return {
    recordType: 'checkpoint',
    replay: options.replay ?? false,
    seq: checkpoint.seq,
    hash: checkpoint.hash,
    signedAt: checkpoint.signedAt,
    keyId: checkpoint.keyId,
    algorithm: checkpoint.algorithm,
    signature: checkpoint.signature,
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
