import { Injectable } from '@nestjs/common';
import { ChainLink } from '../chain/hash-chain';
import { Queryable } from '../queryable';
import { NewLedgerEntry } from './ledger-batch';

/** A ledger entry as stored, with instants as ISO strings. */
export interface StoredLedgerEntry {
  seq: number;
  eventId: string;
  eventType: string;
  partitionKey: string;
  occurredAt: string;
  recordedAt: string;
  payload: string;
  prevHash: string;
  hash: string;
}

/** A row as `SELECT_ENTRY` reads it: instants already ISO-8601 text in UTC. */
export interface LedgerEntryRow {
  seq: string | number;
  event_id: string;
  event_type: string;
  partition_key: string;
  occurred_at: string;
  recorded_at: string;
  payload: string;
  prev_hash: string;
  hash: string;
}

export const ENTRY_COLUMNS =
  'seq, event_id, event_type, partition_key, occurred_at, recorded_at, payload, prev_hash, hash';

/** An instant as `Date.prototype.toISOString` writes it, to the millisecond it keeps. */
const isoText = (column: string) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ${column}`;

// The database writes the instants as text: parsing each timestamptz into a Date and back into an
// ISO string took about a fifth of a replay's time on the reading thread, and to_char runs in the
// database's own process instead. MS truncates microseconds, as a JavaScript Date does.
/** The select list of a whole entry, in the shape of `LedgerEntryRow`. */
export const SELECT_ENTRY = [
  'seq, event_id, event_type, partition_key',
  isoText('occurred_at'),
  isoText('recorded_at'),
  'payload, prev_hash, hash',
].join(', ');

/** Entries with `$1 < seq <= $2`, in seq order, at most `$3` of them. */
export const ENTRY_RANGE_SQL = `SELECT ${SELECT_ENTRY} FROM ledger.ledger_entries
  WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3`;

/** The SQL of the append-only chain: its head, its entries, and nothing that changes an entry. */
@Injectable()
export class LedgerEntriesRepository {
  /** Takes the chain's single write lock for the caller's transaction and reads the head. */
  async lockHead(db: Queryable): Promise<ChainLink> {
    const rows = (await db.query(
      'SELECT seq, hash FROM ledger.ledger_head WHERE id = 1 FOR UPDATE',
    )) as { seq: string; hash: string }[];
    return headFrom(rows);
  }

  /** The ids (lowercase) among `eventIds` that the ledger already holds. */
  async findRecorded(db: Queryable, eventIds: readonly string[]): Promise<Set<string>> {
    if (eventIds.length === 0) return new Set();
    const rows = (await db.query(
      'SELECT event_id FROM ledger.ledger_entries WHERE event_id = ANY($1::uuid[])',
      [eventIds],
    )) as { event_id: string }[];
    return new Set(rows.map((row) => row.event_id.toLowerCase()));
  }

  /** One statement for the whole batch, whatever its size: the rows travel as one JSON array. */
  async insert(db: Queryable, entries: readonly NewLedgerEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const rows = entries.map((entry) => ({
      seq: entry.seq,
      event_id: entry.eventId,
      event_type: entry.eventType,
      partition_key: entry.partitionKey,
      occurred_at: entry.occurredAt,
      recorded_at: entry.recordedAt,
      payload: entry.payload,
      prev_hash: entry.prevHash,
      hash: entry.hash,
    }));
    // json rather than jsonb: parsed once, with no binary copy built; strings come out as sent.
    await db.query(
      `INSERT INTO ledger.ledger_entries (${ENTRY_COLUMNS})
       SELECT * FROM json_to_recordset($1::json) AS e(seq bigint, event_id uuid, event_type text,
         partition_key text, occurred_at timestamptz, recorded_at timestamptz, payload text,
         prev_hash text, hash text)`,
      [JSON.stringify(rows)],
    );
  }

  async moveHead(db: Queryable, head: ChainLink): Promise<void> {
    await db.query('UPDATE ledger.ledger_head SET seq = $1, hash = $2 WHERE id = 1', [
      head.seq,
      head.hash,
    ]);
  }

  /**
   * The first `limit` entries after `afterSeq`, up to and including `untilSeq`, in seq order.
   *
   * Seqs are gap-free, so those are the seqs right after `afterSeq`, and the range is read first
   * bounded to `limit` seqs. While the table has no statistics yet (a young ledger, or a server
   * that runs with autovacuum off), PostgreSQL read every entry from `afterSeq` to `untilSeq` and
   * sorted them for each page (a bitmap scan it thought small): the audit publisher and the anomaly
   * detector, a burst behind the head, spent most of their database time on it. A short page means
   * the head, or entries missing from the chain; the rest of the range is then read as before,
   * so the result is the same either way.
   */
  async readEntries(
    db: Queryable,
    afterSeq: number,
    untilSeq: number,
    limit: number,
  ): Promise<StoredLedgerEntry[]> {
    const bound = Math.min(untilSeq, afterSeq + limit);
    const rows = await this.readRange(db, afterSeq, bound, limit);
    if (rows.length === limit || bound >= untilSeq) return rows;
    const rest = await this.readRange(db, bound, untilSeq, limit - rows.length);
    return rows.concat(rest);
  }

  private async readRange(
    db: Queryable,
    afterSeq: number,
    untilSeq: number,
    limit: number,
  ): Promise<StoredLedgerEntry[]> {
    const rows = (await db.query(ENTRY_RANGE_SQL, [afterSeq, untilSeq, limit])) as LedgerEntryRow[];
    return rows.map(toStoredEntry);
  }

  /** The head as committed, without locking it. */
  async readHead(db: Queryable): Promise<ChainLink> {
    const rows = (await db.query('SELECT seq, hash FROM ledger.ledger_head WHERE id = 1')) as {
      seq: string;
      hash: string;
    }[];
    return headFrom(rows);
  }
}

export function toStoredEntry(row: LedgerEntryRow): StoredLedgerEntry {
  return {
    seq: Number(row.seq),
    eventId: row.event_id,
    eventType: row.event_type,
    partitionKey: row.partition_key,
    occurredAt: row.occurred_at,
    recordedAt: row.recorded_at,
    payload: row.payload,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

function headFrom(rows: { seq: string; hash: string }[]): ChainLink {
  const head = rows[0];
  if (!head) throw new Error('ledger.ledger_head has no row; the migrations did not run');
  return { seq: Number(head.seq), hash: head.hash };
}
