import { DomainEvent } from '@app/contracts';

/** What a projection sees of a ledger entry: its position, when it was recorded, and the event. */
export interface ProjectedEntry {
  seq: number;
  recordedAt: string;
  event: DomainEvent;
}

/** The changes of entries in seq order, for a projection that makes at most one per entry. */
export function changesOf<C>(
  entries: readonly ProjectedEntry[],
  changeOf: (entry: ProjectedEntry) => C | null,
): C[] {
  const changes: C[] = [];
  for (const entry of entries) {
    const change = changeOf(entry);
    if (change !== null) changes.push(change);
  }
  return changes;
}
