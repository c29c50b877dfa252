import { decodeDomainEvent } from '../events/event-decoder';
import { EventTypes } from '../events/payloads';
import { aGrantIssued, anEvent, aRecordDeadLettered, eventBuilders, EXAMPLE_TIME } from './index';

describe(eventBuilders.name, () => {
  it.each(EventTypes)('builds a %s envelope that the decoder accepts', (type) => {
    const event = anEvent(type);

    const decoded = decodeDomainEvent(Buffer.from(JSON.stringify(event)));

    expect(decoded).toEqual({ ok: true, value: event });
  });

  it('gives every event fresh ids, so that events built apart never collide', () => {
    const first = aGrantIssued();
    const second = aGrantIssued();

    expect(second.id).not.toBe(first.id);
    expect(second.data.requestId).not.toBe(first.data.requestId);
    expect(second.data.grantId).not.toBe(first.data.grantId);
  });

  it('keys and correlates an event by its request, from its publisher, at the example time', () => {
    const event = aGrantIssued();

    expect(event).toMatchObject({
      source: 'approvals',
      time: EXAMPLE_TIME,
      partitionKey: event.data.requestId,
      correlationId: event.data.requestId,
      causationId: null,
    });
  });

  it('keys a dead-letter note by where the record came from', () => {
    const note = aRecordDeadLettered({ sourceTopic: 'jit.access.events.v1', partition: 3 });

    expect(note.partitionKey).toBe('jit.access.events.v1:3');
  });

  it('takes the data and envelope fields a test gives over the defaults', () => {
    const event = aGrantIssued(
      { subject: 'u-150', role: 'read-only' },
      { source: 'expiry', time: new Date('2026-12-05T08:00:00.000Z'), causationId: 'cause-1' },
    );

    expect(event).toMatchObject({
      source: 'expiry',
      time: '2026-12-05T08:00:00.000Z',
      causationId: 'cause-1',
      data: { subject: 'u-150', role: 'read-only', resource: 'db:orders-prod' },
    });
  });

  it('applies the defaults of a set of builders between the examples and each call', () => {
    const { aGrantIssued: aLongGrant } = eventBuilders(
      { GrantIssued: { duration: 'PT4H', requestedDuration: 'PT4H' } },
      { time: '2026-12-03T10:00:00.000Z' },
    );

    const event = aLongGrant({ requestedDuration: 'PT8H' });

    expect(event).toMatchObject({
      time: '2026-12-03T10:00:00.000Z',
      data: { duration: 'PT4H', requestedDuration: 'PT8H', subject: 'u-101' },
    });
  });

  it('does not share arrays between the events it builds', () => {
    const first = aGrantIssued();
    first.data.approvers.push('u-999');

    expect(aGrantIssued().data.approvers).toEqual(['u-202']);
  });
});
