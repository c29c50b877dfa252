import { LedgerEntriesRepository, StoredLedgerEntry } from '../append/ledger-entries.repository';
import { ChainLink, GENESIS_LINK } from '../chain/hash-chain';
import { toProjectedEntry } from '../projections/projection-rebuilder';
import { Queryable } from '../queryable';
import { chainOf } from '../testing/ledger-entry.builders';
import { aGrantedRequest, anActivatedOptOut } from '../testing/ledger-event.builders';
import { FOLD_CHUNK_SIZE, replayLedger, ReplayProgress } from './ledger-replay';
import { foldAll } from './projection-state';
import { LedgerChainBrokenError } from './replay.errors';

/** A ledger held in memory, read page by page as the repository reads the table. */
class InMemoryLedger extends LedgerEntriesRepository {
  constructor(private readonly entries: StoredLedgerEntry[]) {
    super();
  }

  override readHead(): Promise<ChainLink> {
    const last = this.entries[this.entries.length - 1];
    return Promise.resolve(last ? { seq: last.seq, hash: last.hash } : GENESIS_LINK);
  }

  override readEntries(
    _db: Queryable,
    afterSeq: number,
    untilSeq: number,
    limit: number,
  ): Promise<StoredLedgerEntry[]> {
    const page = this.entries.filter((entry) => entry.seq > afterSeq && entry.seq <= untilSeq);
    return Promise.resolve(page.slice(0, limit));
  }
}

const NO_DATABASE = {} as Queryable;
const FIRST_RECORDED = new Date('2026-12-01T10:00:00.000Z');
const LATER_RECORDED = new Date('2026-12-01T11:00:00.000Z');

/** More entries than two chunks, recorded at two instants, the second from `laterFrom` on. */
function aLongLedger(laterFrom: number): StoredLedgerEntry[] {
  const events = [];
  while (events.length < FOLD_CHUNK_SIZE * 2 + 500) {
    events.push(...aGrantedRequest({ subject: `u-${events.length}` }).events);
    events.push(...anActivatedOptOut({ subject: `u-${events.length}` }).events);
  }
  const first = chainOf(events.slice(0, laterFrom - 1), GENESIS_LINK, FIRST_RECORDED);
  const later = chainOf(events.slice(laterFrom - 1), first.head, LATER_RECORDED);
  return [...first.entries, ...later.entries].map(({ event: _event, ...stored }) => stored);
}

describe(replayLedger.name, () => {
  const pageSize = FOLD_CHUNK_SIZE * 2 + 100;

  it('folds pages larger than a chunk to the state of one fold over every entry', async () => {
    const entries = aLongLedger(FOLD_CHUNK_SIZE + 7);
    const progress: ReplayProgress[] = [];

    const result = await replayLedger(
      NO_DATABASE,
      { pageSize, onProgress: (step) => progress.push(step) },
      new InMemoryLedger(entries),
    );

    expect(result.state).toEqual(foldAll(entries.map(toProjectedEntry)));
    expect(result.replayed).toBe(entries.length);
    expect(result.last).toEqual(result.head);
    expect(progress.map((step) => step.replayed)).toEqual([pageSize, entries.length]);
  });

  it('drains every record once, in seq order, across chunks and pages', async () => {
    const entries = aLongLedger(FOLD_CHUNK_SIZE + 7);
    const drained: number[] = [];

    await replayLedger(
      NO_DATABASE,
      {
        pageSize,
        drain: (records) => {
          drained.push(...records.map((record) => record.seq));
          return Promise.resolve();
        },
      },
      new InMemoryLedger(entries),
    );

    expect(drained).toEqual(entries.map((entry) => entry.seq));
  });

  it('stops at the last entry recorded by the instant, inside a chunk after the first', async () => {
    const laterFrom = FOLD_CHUNK_SIZE + 7;
    const entries = aLongLedger(laterFrom);

    const result = await replayLedger(
      NO_DATABASE,
      { pageSize, toTime: '2026-12-01T10:30:00.000Z' },
      new InMemoryLedger(entries),
    );

    expect(result.replayed).toBe(laterFrom - 1);
    expect(result.last.seq).toBe(laterFrom - 1);
    expect(result.state).toEqual(foldAll(entries.slice(0, laterFrom - 1).map(toProjectedEntry)));
  });

  it('reports a changed entry in a later chunk of a page at its seq', async () => {
    const entries = aLongLedger(FOLD_CHUNK_SIZE + 7);
    const tampered = FOLD_CHUNK_SIZE + 42;
    const entry = entries[tampered - 1]!;
    entries[tampered - 1] = { ...entry, payload: entry.payload.replace('"u-', '"x-') };

    const replay = replayLedger(NO_DATABASE, { pageSize }, new InMemoryLedger(entries));

    await expect(replay).rejects.toThrow(LedgerChainBrokenError);
    await expect(replay).rejects.toMatchObject({ brokenSeq: tampered, reason: 'hash-mismatch' });
  });
});
