import { DomainEvent } from '@app/contracts';
import { chainEvents, NewLedgerEntry, prepareEvent } from '../append/ledger-batch';
import { ChainLink, GENESIS_LINK } from '../chain/hash-chain';
import { ProjectedEntry } from '../projections/projected-entry';
import { BASE_TIME } from './ledger-event.builders';

/** Events as the ledger would hold them: seqs from `firstSeq` on, in the order given. */
export function entriesOf(events: readonly DomainEvent[], firstSeq = 1): ProjectedEntry[] {
  return events.map((event, index) => ({ seq: firstSeq + index, recordedAt: BASE_TIME, event }));
}

/** Events linked into a chain after `head`, as the ledger would append them. */
export function chainOf(
  events: readonly DomainEvent[],
  head: ChainLink = GENESIS_LINK,
  recordedAt = new Date(BASE_TIME),
): { entries: NewLedgerEntry[]; head: ChainLink } {
  return chainEvents(head, events.map(prepareEvent), recordedAt);
}
