import { aRecordDeadLettered, anAccessRequested } from '../testing/ledger-event.builders';
import { decodeLedgerRecord } from './ledger-record.decoder';

const asRecord = (value: unknown) => Buffer.from(JSON.stringify(value));

describe(decodeLedgerRecord.name, () => {
  it('accepts every domain event from the access events topic', () => {
    const event = anAccessRequested();

    expect(decodeLedgerRecord(asRecord(event), false)).toEqual({ ok: true, value: event });
  });

  it('accepts dead-letter notes from the dead-letter topic', () => {
    const note = aRecordDeadLettered();

    expect(decodeLedgerRecord(asRecord(note), true)).toEqual({ ok: true, value: note });
  });

  it('refuses other events on the dead-letter topic', () => {
    expect(decodeLedgerRecord(asRecord(anAccessRequested()), true)).toMatchObject({
      ok: false,
      reason: 'schema-violation',
    });
  });

  it('refuses a record that is not an event', () => {
    expect(decodeLedgerRecord(Buffer.from('{not json'), false)).toMatchObject({
      ok: false,
      reason: 'invalid-json',
    });
  });
});
