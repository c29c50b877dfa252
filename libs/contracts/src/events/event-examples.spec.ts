import { EventExamples } from './event-examples';
import { EventPayloadSchemas, EventTypes } from './payloads';
import { createEvent } from './event-factory';
import { decodeDomainEvent } from './event-decoder';

describe('EventExamples', () => {
  it.each(EventTypes)('has a %s example that its schema accepts', (type) => {
    const result = EventPayloadSchemas[type].safeParse(EventExamples[type]);
    expect(result.error?.issues ?? []).toEqual([]);
  });

  it('round-trips an example through the envelope decoder', () => {
    const event = createEvent('GrantIssued', EventExamples.GrantIssued, {
      source: 'approvals',
      time: new Date('2026-12-01T10:00:00.000Z'),
      partitionKey: EventExamples.GrantIssued.requestId,
      correlationId: EventExamples.GrantIssued.requestId,
      causationId: null,
    });

    const decoded = decodeDomainEvent(Buffer.from(JSON.stringify(event)));

    expect(decoded).toEqual({ ok: true, value: event });
  });

  it('refuses an envelope whose data does not fit its type', () => {
    const event = createEvent('GrantIssued', EventExamples.GrantIssued, {
      source: 'approvals',
      time: new Date(),
      partitionKey: 'k',
      correlationId: 'c',
      causationId: null,
    });
    const broken = { ...event, data: { ...event.data, endsAt: 'tomorrow' } };

    const decoded = decodeDomainEvent(Buffer.from(JSON.stringify(broken)));

    expect(decoded).toMatchObject({ ok: false, reason: 'schema-violation' });
    expect(decoded.ok ? '' : decoded.error).toContain('data.endsAt');
  });

  it('refuses a record that is not JSON', () => {
    expect(decodeDomainEvent(Buffer.from('{not json'))).toMatchObject({
      ok: false,
      reason: 'invalid-json',
    });
  });
});
