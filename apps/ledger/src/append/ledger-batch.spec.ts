import { DomainEvent } from '@app/contracts';
import { GENESIS_LINK, verifyChain } from '../chain/hash-chain';
import { anAccessRequested, aRequestApproved } from '../testing/ledger-event.builders';
import { chainEvents, prepareEvent, selectNewEvents, selectNewEventsOfGroup } from './ledger-batch';

const RECORDED_AT = new Date('2026-12-03T10:00:05.000Z');

const prepared = (...events: DomainEvent[]) => events.map(prepareEvent);

describe(selectNewEvents.name, () => {
  it('drops events the ledger already holds', () => {
    const held = anAccessRequested();
    const fresh = aRequestApproved();

    expect(selectNewEvents(prepared(held, fresh), new Set([held.id]))).toEqual(prepared(fresh));
  });

  it('keeps only the first of an event that comes twice in one batch', () => {
    const event = anAccessRequested();
    const other = aRequestApproved();

    expect(selectNewEvents(prepared(event, other, { ...event }), new Set())).toEqual(
      prepared(event, other),
    );
  });

  it('recognises an event id whatever its letter case', () => {
    const event = anAccessRequested();
    const shouted = { ...event, id: event.id.toUpperCase() };

    expect(selectNewEvents(prepared(shouted), new Set([event.id]))).toEqual([]);
    expect(selectNewEvents(prepared(event, shouted), new Set())).toEqual(prepared(event));
  });
});

describe(selectNewEventsOfGroup.name, () => {
  it("keeps the new events of every batch in order and counts each batch's share", () => {
    const held = anAccessRequested();
    const shared = aRequestApproved();
    const first = prepared(held, shared);
    const second = prepared({ ...shared }, anAccessRequested());

    const selection = selectNewEventsOfGroup([first, second], new Set([held.id]));

    expect(selection.fresh).toEqual([first[1], second[1]]);
    expect(selection.appended).toEqual([1, 1]);
  });
});

describe(chainEvents.name, () => {
  it('numbers entries gap-free after the head and links each to the one before', () => {
    const first = chainEvents(
      GENESIS_LINK,
      prepared(anAccessRequested(), aRequestApproved()),
      RECORDED_AT,
    );

    const second = chainEvents(first.head, prepared(anAccessRequested()), RECORDED_AT);

    const all = [...first.entries, ...second.entries];
    expect(all.map((entry) => entry.seq)).toEqual([1, 2, 3]);
    expect(all[0]!.prevHash).toBe(GENESIS_LINK.hash);
    expect(all[2]!.prevHash).toBe(all[1]!.hash);
    expect(second.head).toEqual({ seq: 3, hash: all[2]!.hash });
    expect(verifyChain(all).ok).toBe(true);
  });

  it('stores the canonical envelope and the columns derived from it', () => {
    const event = anAccessRequested();

    const [entry] = chainEvents(GENESIS_LINK, prepared(event), RECORDED_AT).entries;

    expect(JSON.parse(entry!.payload)).toEqual(event);
    expect(entry).toMatchObject({
      eventId: event.id,
      eventType: 'AccessRequested',
      partitionKey: event.partitionKey,
      occurredAt: event.time,
      recordedAt: RECORDED_AT.toISOString(),
    });
  });

  it('leaves the head as it was when there is nothing to chain', () => {
    expect(chainEvents(GENESIS_LINK, [], RECORDED_AT)).toEqual({ entries: [], head: GENESIS_LINK });
  });
});
