import { decodeDomainEvent, DecodeResult, DomainEvent } from '@app/contracts';

/**
 * Every domain event is recorded; the dead-letter topic may only carry notes of dead-lettered
 * records, and anything else found there is itself dead-lettered.
 */
export function decodeLedgerRecord(
  value: Buffer | null,
  fromDeadLetterTopic: boolean,
): DecodeResult<DomainEvent> {
  const decoded = decodeDomainEvent(value);
  if (!decoded.ok || !fromDeadLetterTopic || decoded.value.type === 'RecordDeadLettered') {
    return decoded;
  }
  return {
    ok: false,
    reason: 'schema-violation',
    error: `the dead-letter topic carries RecordDeadLettered events only, not ${decoded.value.type}`,
  };
}
