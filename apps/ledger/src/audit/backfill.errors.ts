import { DomainError } from '@app/platform';

export class BackfillOutOfRangeError extends DomainError {
  constructor(fromSeq: number, toSeq: number, headSeq: number) {
    super(
      'backfill-out-of-range',
      422,
      headSeq === 0
        ? 'the ledger has no entries to backfill'
        : `the range must lie within the ledger's seqs 1 to ${headSeq}, fromSeq first`,
      { fromSeq, toSeq, headSeq },
    );
  }
}
