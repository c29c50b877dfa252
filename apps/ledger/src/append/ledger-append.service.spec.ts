import { DataSource } from 'typeorm';
import { DomainEvent } from '@app/contracts';
import { ManualClock } from '@app/domain';
import { ChainLink, GENESIS_LINK, verifyChain } from '../chain/hash-chain';
import { ProjectionApplier } from '../projections/projection.applier';
import { anAccessRequested, aRequestApproved, BASE_TIME } from '../testing/ledger-event.builders';
import { LedgerAppendService, MAX_EVENTS_PER_TRANSACTION } from './ledger-append.service';
import { NewLedgerEntry } from './ledger-batch';
import { LedgerEntriesRepository } from './ledger-entries.repository';

/** What a transaction changed, kept apart until it commits. */
interface Staged {
  transaction: number;
  entries: NewLedgerEntry[];
  head: ChainLink;
}

/**
 * A ledger in memory with the repository's contract: a transaction sees what committed before
 * it, and what it staged is kept only if it does not throw. The first transaction can be held
 * open, so that batches queue behind it.
 */
class InMemoryLedger {
  entries: NewLedgerEntry[] = [];
  head: ChainLink = GENESIS_LINK;
  transactions = 0;
  /** Event ids whose insert fails as a constraint would, every time. */
  readonly refused = new Set<string>();
  /** Errors thrown at the lock, by the number of the transaction (the first is 1). */
  readonly failures = new Map<number, Error>();
  private hold?: Promise<void>;
  private release?: () => void;

  holdFirstTransaction(): void {
    this.hold = new Promise((resolve) => (this.release = resolve));
  }

  releaseFirstTransaction(): void {
    this.release?.();
  }

  readonly dataSource = {
    transaction: async <T>(work: (staged: Staged) => Promise<T>): Promise<T> => {
      this.transactions += 1;
      const held = this.hold;
      this.hold = undefined;
      const staged: Staged = { transaction: this.transactions, entries: [], head: this.head };
      await held;
      const result = await work(staged);
      this.entries.push(...staged.entries);
      this.head = staged.head;
      return result;
    },
  } as unknown as DataSource;

  readonly repository = {
    lockHead: async (staged: Staged) => {
      const failure = this.failures.get(staged.transaction);
      if (failure) throw failure;
      return staged.head;
    },
    findRecorded: async (_staged: Staged, ids: readonly string[]) =>
      new Set(ids.filter((id) => this.entries.some((entry) => entry.eventId === id))),
    insert: async (staged: Staged, entries: readonly NewLedgerEntry[]) => {
      const refused = entries.find((entry) => this.refused.has(entry.eventId));
      if (refused) throw new Error(`violates check constraint: ${refused.eventId}`);
      staged.entries.push(...entries);
    },
    moveHead: async (staged: Staged, head: ChainLink) => {
      staged.head = head;
    },
  } as unknown as LedgerEntriesRepository;
}

const noProjections = { apply: async () => undefined } as unknown as ProjectionApplier;

function appenderOver(ledger: InMemoryLedger): LedgerAppendService {
  return new LedgerAppendService(
    ledger.dataSource,
    ledger.repository,
    noProjections,
    new ManualClock(new Date(BASE_TIME)),
  );
}

const events = (count: number): DomainEvent[] =>
  Array.from({ length: count }, (_, index) =>
    index % 2 ? aRequestApproved() : anAccessRequested(),
  );

/** Lets the appender's promises settle up to the point where it waits on the held transaction. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe(LedgerAppendService.name, () => {
  it('appends the batches that arrive while a transaction is open together, in arrival order', async () => {
    const ledger = new InMemoryLedger();
    const appender = appenderOver(ledger);
    const [first, second, third] = [events(2), events(3), events(1)];
    ledger.holdFirstTransaction();

    const pending = [appender.append(first), appender.append(second), appender.append(third)];
    await settle();
    ledger.releaseFirstTransaction();
    const results = await Promise.all(pending);

    expect(ledger.transactions).toBe(2);
    expect(ledger.entries.map((entry) => entry.eventId)).toEqual(
      [...first, ...second, ...third].map((event) => event.id),
    );
    expect(ledger.entries.map((entry) => entry.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(verifyChain(ledger.entries).ok).toBe(true);
    expect(results.map((result) => [result.received, result.appended])).toEqual([
      [2, 2],
      [3, 3],
      [1, 1],
    ]);
    expect(results[1]!.head).toEqual(ledger.head);
    expect(results[2]!.head).toEqual(ledger.head);
  });

  it('counts an event that an earlier batch of the same transaction brought as a duplicate', async () => {
    const ledger = new InMemoryLedger();
    const appender = appenderOver(ledger);
    const shared = anAccessRequested();
    const other = aRequestApproved();
    ledger.holdFirstTransaction();

    const pending = [
      appender.append(events(1)),
      appender.append([shared]),
      appender.append([{ ...shared }, other]),
    ];
    await settle();
    ledger.releaseFirstTransaction();
    const [, earlier, later] = await Promise.all(pending);

    expect(earlier).toMatchObject({ received: 1, appended: 1, duplicates: 0 });
    expect(later).toMatchObject({ received: 2, appended: 1, duplicates: 1 });
    expect(ledger.entries.filter((entry) => entry.eventId === shared.id)).toHaveLength(1);
  });

  it('appends each batch of a failed group alone, so only the batch at fault is refused', async () => {
    const ledger = new InMemoryLedger();
    const appender = appenderOver(ledger);
    const [first, faulty, innocent] = [events(1), events(2), events(2)];
    ledger.refused.add(faulty[1]!.id);
    ledger.holdFirstTransaction();

    const pending = [appender.append(first), appender.append(faulty), appender.append(innocent)];
    await settle();
    ledger.releaseFirstTransaction();
    const outcomes = await Promise.allSettled(pending);

    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    expect((outcomes[1] as PromiseRejectedResult).reason).toEqual(
      expect.objectContaining({ message: expect.stringContaining(faulty[1]!.id) }),
    );
    expect(ledger.entries.map((entry) => entry.eventId)).toEqual(
      [...first, ...innocent].map((event) => event.id),
    );
    expect(verifyChain(ledger.entries).ok).toBe(true);
  });

  it('refuses every batch of a group when the database is unreachable, without trying them alone', async () => {
    const ledger = new InMemoryLedger();
    const appender = appenderOver(ledger);
    ledger.failures.set(
      2,
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    );
    ledger.holdFirstTransaction();
    const first = appender.append(events(1));
    const queued = [appender.append(events(1)), appender.append(events(1))];
    await settle();
    ledger.releaseFirstTransaction();

    await first;
    const outcomes = await Promise.allSettled(queued);

    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
    expect(ledger.transactions).toBe(2);
    expect(ledger.entries).toHaveLength(1);
  });

  it('starts another transaction when the waiting batches exceed the bound of one', async () => {
    const ledger = new InMemoryLedger();
    const appender = appenderOver(ledger);
    const half = Math.ceil(MAX_EVENTS_PER_TRANSACTION / 2) + 1;
    ledger.holdFirstTransaction();

    const pending = [appender.append(events(1)), appender.append(events(half))];
    pending.push(appender.append(events(half)));
    await settle();
    ledger.releaseFirstTransaction();
    await Promise.all(pending);

    expect(ledger.transactions).toBe(3);
    expect(ledger.entries).toHaveLength(1 + 2 * half);
  });
});
