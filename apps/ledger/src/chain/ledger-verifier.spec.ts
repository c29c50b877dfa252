import { generateKeyPairSync } from 'node:crypto';
import { NewLedgerEntry } from '../append/ledger-batch';
import { Queryable } from '../queryable';
import { chainOf } from '../testing/ledger-entry.builders';
import { anAccessRequested } from '../testing/ledger-event.builders';
import { LedgerCheckpoint, signCheckpoint } from './checkpoint-signature';
import { ChainLink, entryHash, GENESIS_LINK } from './hash-chain';
import { verifyLedger } from './ledger-verifier';

const keys = generateKeyPairSync('ed25519');

/** Answers the verifier's queries from memory, as the ledger tables would. */
class FakeLedgerTables implements Queryable {
  readonly checkpoints: LedgerCheckpoint[] = [];

  constructor(
    readonly entries: NewLedgerEntry[],
    public head: ChainLink,
  ) {}

  checkpointAt(seq: number): void {
    const entry = this.entries.find((candidate) => candidate.seq === seq)!;
    const signedAt = '2026-12-03T10:00:00.000Z';
    this.checkpoints.push(signCheckpoint({ seq, hash: entry.hash, signedAt }, keys.privateKey));
  }

  async query(sql: string, parameters: unknown[] = []): Promise<unknown> {
    if (sql.includes('FROM ledger.ledger_head')) {
      return [{ seq: String(this.head.seq), hash: this.head.hash }];
    }
    const [afterSeq, untilSeq, limit] = parameters as number[];
    if (sql.includes('FROM ledger.checkpoints')) {
      return this.checkpoints
        .filter((checkpoint) => checkpoint.seq > afterSeq! && checkpoint.seq <= untilSeq!)
        .slice(0, limit)
        .map((checkpoint) => ({
          seq: String(checkpoint.seq),
          hash: checkpoint.hash,
          signed_at: new Date(checkpoint.signedAt),
          key_id: checkpoint.keyId,
          algorithm: checkpoint.algorithm,
          signature: checkpoint.signature,
        }));
    }
    return this.entries
      .filter((entry) => entry.seq > afterSeq! && entry.seq <= untilSeq!)
      .slice(0, limit)
      .map((entry) => ({
        seq: String(entry.seq),
        event_id: entry.eventId,
        event_type: entry.eventType,
        partition_key: entry.partitionKey,
        occurred_at: new Date(entry.occurredAt),
        recorded_at: new Date(entry.recordedAt),
        payload: entry.payload,
        prev_hash: entry.prevHash,
        hash: entry.hash,
      }));
  }
}

function aLedger(length: number): FakeLedgerTables {
  const events = Array.from({ length }, () => anAccessRequested());
  const { entries, head } = chainOf(events);
  return new FakeLedgerTables(entries, head);
}

describe(verifyLedger.name, () => {
  it('walks an intact chain page by page up to the head', async () => {
    const ledger = aLedger(25);

    const result = await verifyLedger(ledger, 10);

    expect(result).toEqual({
      ok: true,
      entries: 25,
      checkpoints: 0,
      headSeq: 25,
      headHash: ledger.head.hash,
    });
  });

  it('verifies an empty ledger', async () => {
    const ledger = new FakeLedgerTables([], GENESIS_LINK);

    expect(await verifyLedger(ledger)).toMatchObject({ ok: true, entries: 0, headSeq: 0 });
  });

  it('reports a break on a later page', async () => {
    const ledger = aLedger(25);
    const entry = ledger.entries[17]!;
    ledger.entries[17] = { ...entry, payload: entry.payload.replace('PT1H', 'PT9H') };

    const result = await verifyLedger(ledger, 10);

    expect(result).toMatchObject({
      ok: false,
      brokenSeq: 18,
      problem: 'modified',
      reason: 'hash-mismatch',
      entries: 17,
    });
  });

  it('reports entries missing at the end of the chain', async () => {
    const ledger = aLedger(5);
    ledger.entries.splice(3);

    expect(await verifyLedger(ledger, 10)).toMatchObject({
      ok: false,
      brokenSeq: 4,
      problem: 'deleted',
      reason: 'missing-entry',
    });
  });

  it('reports a head that does not match the last entry', async () => {
    const ledger = aLedger(5);
    ledger.head = { seq: 5, hash: 'f'.repeat(64) };

    expect(await verifyLedger(ledger)).toMatchObject({
      ok: false,
      brokenSeq: 5,
      problem: 'modified',
      reason: 'head-mismatch',
    });
  });

  it('verifies every checkpoint on the way, with the public keys', async () => {
    const ledger = aLedger(25);
    [10, 20, 25].forEach((seq) => ledger.checkpointAt(seq));

    expect(
      await verifyLedger(ledger, { publicKeys: [keys.publicKey], pageSize: 10 }),
    ).toMatchObject({ ok: true, entries: 25, checkpoints: 3 });
    expect(
      await verifyLedger(ledger, { publicKeys: [generateKeyPairSync('ed25519').publicKey] }),
    ).toMatchObject({ ok: false, brokenSeq: 10, reason: 'checkpoint-unknown-key' });
  });

  it('finds a rewrite that kept the chain consistent by the checkpoint after it', async () => {
    const ledger = aLedger(25);
    [10, 20].forEach((seq) => ledger.checkpointAt(seq));
    let prevHash = ledger.entries[13]!.hash;
    for (const entry of ledger.entries.slice(14)) {
      entry.payload = entry.payload.replace('u-101', 'u-666');
      entry.prevHash = prevHash;
      entry.hash = entryHash(prevHash, entry.seq, entry.payload);
      prevHash = entry.hash;
    }
    ledger.head = { seq: 25, hash: prevHash };

    expect(
      await verifyLedger(ledger, { publicKeys: [keys.publicKey], pageSize: 10 }),
    ).toMatchObject({ ok: false, brokenSeq: 20, problem: 'checkpoint-mismatch', checkpoints: 1 });
  });

  it('classifies a break at a page boundary with what follows it', async () => {
    const ledger = aLedger(25);
    const [tenth, eleventh] = [ledger.entries[9]!, ledger.entries[10]!];
    ledger.entries[9] = { ...eleventh, seq: 10 };
    ledger.entries[10] = { ...tenth, seq: 11 };

    expect(await verifyLedger(ledger, 10)).toMatchObject({
      ok: false,
      brokenSeq: 10,
      problem: 'reordered',
      expected: { eventId: tenth.eventId },
    });
  });
});
