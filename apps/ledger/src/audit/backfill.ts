import { OutgoingRecord } from '@app/messaging';
import { LedgerEntriesRepository, StoredLedgerEntry } from '../append/ledger-entries.repository';
import { LedgerCheckpoint } from '../chain/checkpoint-signature';
import { Queryable } from '../queryable';
import {
  AuditTopicRecord,
  CHECKPOINT_RECORD_KEY,
  groupBySize,
  toAuditRecord,
  toCheckpointAuditRecord,
} from './audit-record';
import { BackfillOutOfRangeError } from './backfill.errors';

export const BACKFILL_PAGE_SIZE = 500;
// Below the broker's default message.max.bytes (1 MiB), as for the live publisher.
const MAX_SEND_BYTES = 512 * 1024;

export interface BackfillRange {
  fromSeq: number;
  /** The head when omitted. */
  toSeq?: number;
}

export interface BackfillResult {
  fromSeq: number;
  toSeq: number;
  entries: number;
  checkpoints: number;
}

export interface BackfillTarget {
  topic: string;
  send(records: OutgoingRecord[]): Promise<void>;
}

export type BackfillProgress = (published: { throughSeq: number; entries: number }) => void;

interface CheckpointRow {
  seq: string | number;
  hash: string;
  signed_at: Date | string;
  key_id: string;
  algorithm: string;
  signature: string;
}

/**
 * Republishes the entry records of a seq range, and the checkpoints in it, marked replay, in seq
 * order, to the audit topic; the live publisher's cursor is neither read nor moved. The first
 * record's prevHash is the link a consumer starting there verifies from.
 */
// Limitation: records are sent as read, page by page, outside any transaction with the broker; a
// failure part-way leaves the records sent so far on the topic, which is harmless (a SIEM drops
// duplicates), and the call can be repeated.
export async function backfillAuditRecords(
  db: Queryable,
  range: BackfillRange,
  target: BackfillTarget,
  onProgress: BackfillProgress = () => undefined,
): Promise<BackfillResult> {
  const repository = new LedgerEntriesRepository();
  const head = await repository.readHead(db);
  const toSeq = range.toSeq ?? head.seq;
  if (head.seq === 0 || range.fromSeq > toSeq || toSeq > head.seq) {
    throw new BackfillOutOfRangeError(range.fromSeq, toSeq, head.seq);
  }
  const withCheckpoints = await checkpointsTableExists(db);

  const result: BackfillResult = { fromSeq: range.fromSeq, toSeq, entries: 0, checkpoints: 0 };
  let afterSeq = range.fromSeq - 1;
  while (afterSeq < toSeq) {
    const entries = await repository.readEntries(db, afterSeq, toSeq, BACKFILL_PAGE_SIZE);
    if (entries.length === 0) break;
    const firstSeq = entries[0]!.seq;
    const lastSeq = entries[entries.length - 1]!.seq;
    const checkpoints = withCheckpoints ? await readCheckpoints(db, firstSeq, lastSeq) : [];

    await sendInOrder(target, backfillRecords(entries, checkpoints));

    result.entries += entries.length;
    result.checkpoints += checkpoints.length;
    afterSeq = lastSeq;
    onProgress({ throughSeq: lastSeq, entries: result.entries });
  }
  return result;
}

/** Entries in seq order, each checkpoint right after the entry it names, all marked replay. */
export function backfillRecords(
  entries: readonly StoredLedgerEntry[],
  checkpoints: readonly LedgerCheckpoint[],
): AuditTopicRecord[] {
  const bySeq = new Map<number, LedgerCheckpoint[]>();
  for (const checkpoint of checkpoints) {
    bySeq.set(checkpoint.seq, [...(bySeq.get(checkpoint.seq) ?? []), checkpoint]);
  }
  return entries.flatMap((entry) => [
    toAuditRecord(entry, { replay: true }),
    ...(bySeq.get(entry.seq) ?? []).map((checkpoint) =>
      toCheckpointAuditRecord(checkpoint, { replay: true }),
    ),
  ]);
}

async function sendInOrder(target: BackfillTarget, records: AuditTopicRecord[]): Promise<void> {
  const outgoing: OutgoingRecord[] = records.map((record) => ({
    topic: target.topic,
    key: record.recordType === 'entry' ? record.partitionKey : CHECKPOINT_RECORD_KEY,
    value: JSON.stringify(record),
  }));
  for (const group of groupBySize(outgoing, MAX_SEND_BYTES)) await target.send(group);
}

// The checkpoints table comes with a later migration; a ledger without it has entries only.
async function checkpointsTableExists(db: Queryable): Promise<boolean> {
  const rows = (await db.query(
    "SELECT to_regclass('ledger.checkpoints') IS NOT NULL AS present",
  )) as { present: boolean }[];
  return rows[0]?.present === true;
}

async function readCheckpoints(
  db: Queryable,
  fromSeq: number,
  toSeq: number,
): Promise<LedgerCheckpoint[]> {
  const rows = (await db.query(
    `SELECT seq, hash, signed_at, key_id, algorithm, signature FROM ledger.checkpoints
     WHERE seq >= $1 AND seq <= $2 ORDER BY seq, signed_at`,
    [fromSeq, toSeq],
  )) as CheckpointRow[];
  return rows.map((row) => ({
    seq: Number(row.seq),
    hash: row.hash,
    signedAt: (row.signed_at instanceof Date
      ? row.signed_at
      : new Date(row.signed_at)
    ).toISOString(),
    keyId: row.key_id,
    algorithm: row.algorithm as LedgerCheckpoint['algorithm'],
    signature: row.signature,
  }));
}
