import { NewLedgerEntry } from '../append/ledger-batch';
import { Queryable } from '../queryable';
import { chainOf } from '../testing/ledger-entry.builders';
import { anAccessRequested } from '../testing/ledger-event.builders';
import { ChainLink, GENESIS_LINK } from './hash-chain';
import { verifyLedger } from './ledger-verifier';

/** Answers the verifier's two queries from memory, as the ledger tables would. */
class FakeLedgerTables implements Queryable {
  constructor(
    readonly entries: NewLedgerEntry[],
    public head: ChainLink,
  ) {}

  async query(sql: string, parameters: unknown[] = []): Promise<unknown> {
    if (sql.includes('FROM ledger.ledger_head')) {
      return [{ seq: String(this.head.seq), hash: this.head.hash }];
    }
    const [afterSeq, untilSeq, limit] = parameters as number[];
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

    expect(result).toEqual({ ok: true, entries: 25, headSeq: 25, headHash: ledger.head.hash });
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
      reason: 'missing-entry',
    });
  });

  it('reports a head that does not match the last entry', async () => {
    const ledger = aLedger(5);
    ledger.head = { seq: 5, hash: 'f'.repeat(64) };

    expect(await verifyLedger(ledger)).toMatchObject({
      ok: false,
      brokenSeq: 5,
      reason: 'head-mismatch',
    });
  });
});
