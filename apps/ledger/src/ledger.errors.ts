import { DomainError } from '@app/platform';

export const LEDGER_READER_GROUPS = Symbol('LEDGER_READER_GROUPS');

export class NotALedgerReaderError extends DomainError {
  constructor(readerGroups: readonly string[]) {
    super('not-a-ledger-reader', 403, 'the ledger is open to members of the reader groups only', {
      readerGroups,
    });
  }
}
