import { decodeDomainEvent } from '@app/contracts';
import { EventProducer, OutgoingRecord } from '../kafka/event-producer';
import { DeadLetterPublisher } from './dead-letter.publisher';

class RecordingProducer {
  readonly sent: OutgoingRecord[] = [];
  async send(records: OutgoingRecord[]) {
    this.sent.push(...records);
  }
}

describe(DeadLetterPublisher.name, () => {
  const producer = new RecordingProducer();
  const publisher = new DeadLetterPublisher(
    producer as unknown as EventProducer,
    'jit.deadletter.v1',
    'ledger',
    () => new Date('2026-12-01T10:00:00.000Z'),
  );
  const base = {
    consumerGroup: 'jit-ledger',
    sourceTopic: 'jit.access.events.v1',
    partition: 3,
    offset: '42',
    key: Buffer.from('k-1'),
    reason: 'invalid-json' as const,
    error: 'Unexpected token',
  };

  it('publishes a valid RecordDeadLettered envelope with where the record came from', async () => {
    await publisher.publish({ ...base, value: Buffer.from('{broken') });

    const sent = producer.sent.at(-1)!;
    const decoded = decodeDomainEvent(Buffer.from(sent.value));
    expect(decoded.ok).toBe(true);
    expect(decoded.ok && decoded.value.data).toMatchObject({
      sourceTopic: 'jit.access.events.v1',
      partition: 3,
      offset: '42',
      key: 'k-1',
      value: '{broken',
      valueEncoding: 'utf8',
      reason: 'invalid-json',
    });
    expect(sent.topic).toBe('jit.deadletter.v1');
  });

  it('keeps bytes that are not UTF-8 as base64, so nothing is lost', async () => {
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x41]);

    await publisher.publish({ ...base, value: bytes });

    const decoded = decodeDomainEvent(Buffer.from(producer.sent.at(-1)!.value));
    expect(decoded.ok && decoded.value.data).toMatchObject({
      value: bytes.toString('base64'),
      valueEncoding: 'base64',
    });
  });
});
