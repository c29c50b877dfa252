import { DomainEvent } from '@app/contracts';
import { canonicalPayload, ChainLink, entryHash } from '../chain/hash-chain';

/** A ledger entry about to be inserted, with the event it records. */
export interface NewLedgerEntry {
  seq: number;
  eventId: string;
  eventType: DomainEvent['type'];
  partitionKey: string;
  occurredAt: string;
  recordedAt: string;
  payload: string;
  prevHash: string;
  hash: string;
  event: DomainEvent;
}

/** An event with its canonical payload, computed before the head lock is taken. */
export interface PreparedEvent {
  event: DomainEvent;
  payload: string;
}

export function prepareEvent(event: DomainEvent): PreparedEvent {
  return { event, payload: canonicalPayload(event) };
}

/** PostgreSQL compares uuids whatever their case; so must every check done before the insert. */
export function eventKey(eventId: string): string {
  return eventId.toLowerCase();
}

/**
 * The events of a batch that the ledger does not hold yet, each once and in batch order: a
 * redelivered event, or one that appears twice in the same batch, is recorded only the first time.
 */
export function selectNewEvents(
  events: readonly PreparedEvent[],
  alreadyRecorded: ReadonlySet<string>,
): PreparedEvent[] {
  const seen = new Set(alreadyRecorded);
  const fresh: PreparedEvent[] = [];
  for (const prepared of events) {
    const key = eventKey(prepared.event.id);
    if (seen.has(key)) continue;
    seen.add(key);
    fresh.push(prepared);
  }
  return fresh;
}

/** What a group of batches appended together brings: the new events, and each batch's share. */
export interface GroupSelection {
  fresh: PreparedEvent[];
  /** For each batch, in order, how many of its events are new; the rest are duplicates. */
  appended: number[];
}

/**
 * `selectNewEvents` over batches appended in one transaction, in order: an event that an earlier
 * batch of the group brings counts as a duplicate in the later one.
 */
export function selectNewEventsOfGroup(
  batches: readonly (readonly PreparedEvent[])[],
  alreadyRecorded: ReadonlySet<string>,
): GroupSelection {
  const fresh = selectNewEvents(batches.flat(), alreadyRecorded);
  const isFresh = new Set(fresh);
  const appended = batches.map((batch) => batch.filter((prepared) => isFresh.has(prepared)).length);
  return { fresh, appended };
}

/** Links events to the chain after `head`, with the next gap-free seqs, and returns the new head. */
export function chainEvents(
  head: ChainLink,
  events: readonly PreparedEvent[],
  recordedAt: Date,
): { entries: NewLedgerEntry[]; head: ChainLink } {
  const recorded = recordedAt.toISOString();
  const entries: NewLedgerEntry[] = [];
  let last = head;
  for (const { event, payload } of events) {
    const seq = last.seq + 1;
    const hash = entryHash(last.hash, seq, payload);
    entries.push({
      seq,
      eventId: event.id,
      eventType: event.type,
      partitionKey: event.partitionKey,
      occurredAt: event.time,
      recordedAt: recorded,
      payload,
      prevHash: last.hash,
      hash,
      event,
    });
    last = { seq, hash };
  }
  return { entries, head: last };
}
