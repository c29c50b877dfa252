import { Injectable } from '@nestjs/common';
import { LedgerCheckpoint } from '../chain/checkpoint-signature';
import { Queryable } from '../queryable';

interface CheckpointRow {
  seq: string | number;
  hash: string;
  signed_at: Date | string;
  key_id: string;
  algorithm: string;
  signature: string;
}

/** The SQL of `ledger.checkpoints`, which, like the entries, is only ever appended to. */
@Injectable()
export class CheckpointsRepository {
  /** The checkpoint of the highest seq, or null before the first one. */
  async latest(db: Queryable): Promise<LedgerCheckpoint | null> {
    const rows = (await db.query(
      `SELECT seq, hash, signed_at, key_id, algorithm, signature FROM ledger.checkpoints
       ORDER BY seq DESC LIMIT 1`,
    )) as CheckpointRow[];
    return rows[0] ? toCheckpoint(rows[0]) : null;
  }

  /** Checkpoints after `afterSeq`, up to and including `untilSeq`, in seq order. */
  async read(
    db: Queryable,
    afterSeq: number,
    untilSeq: number,
    limit: number,
  ): Promise<LedgerCheckpoint[]> {
    const rows = (await db.query(
      `SELECT seq, hash, signed_at, key_id, algorithm, signature FROM ledger.checkpoints
       WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3`,
      [afterSeq, untilSeq, limit],
    )) as CheckpointRow[];
    return rows.map(toCheckpoint);
  }

  /** A checkpoint another instance signed first for the same seq stays; this one is dropped. */
  async insert(db: Queryable, checkpoints: readonly LedgerCheckpoint[], createdAt: Date) {
    if (checkpoints.length === 0) return;
    const rows = checkpoints.map((checkpoint) => ({
      seq: checkpoint.seq,
      hash: checkpoint.hash,
      signed_at: checkpoint.signedAt,
      key_id: checkpoint.keyId,
      algorithm: checkpoint.algorithm,
      signature: checkpoint.signature,
      created_at: createdAt.toISOString(),
    }));
    await db.query(
      `INSERT INTO ledger.checkpoints (seq, hash, signed_at, key_id, algorithm, signature, created_at)
       SELECT * FROM json_to_recordset($1::json) AS c(seq bigint, hash text, signed_at timestamptz,
         key_id text, algorithm text, signature text, created_at timestamptz)
       ON CONFLICT (seq) DO NOTHING`,
      [JSON.stringify(rows)],
    );
  }
}

export function toCheckpoint(row: CheckpointRow): LedgerCheckpoint {
  const signedAt = row.signed_at instanceof Date ? row.signed_at : new Date(row.signed_at);
  return {
    seq: Number(row.seq),
    hash: row.hash,
    signedAt: signedAt.toISOString(),
    keyId: row.key_id,
    algorithm: row.algorithm as LedgerCheckpoint['algorithm'],
    signature: row.signature,
  };
}
