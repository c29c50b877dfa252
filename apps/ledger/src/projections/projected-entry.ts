import { DomainEvent } from '@app/contracts';

/** What a projection sees of a ledger entry: its position, when it was recorded, and the event. */
export interface ProjectedEntry {
  seq: number;
  recordedAt: string;
  event: DomainEvent;
}
