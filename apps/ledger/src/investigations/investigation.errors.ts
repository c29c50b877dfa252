import { DomainError } from '@app/platform';
import { LifeKind } from './investigation-questions';

export class NothingRecordedError extends DomainError {
  constructor(kind: LifeKind, id: string) {
    super('nothing-recorded', 404, `the ledger holds nothing of ${kind} ${id}`, { kind, id });
  }
}
