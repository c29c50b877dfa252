import { entryHash } from '../chain/hash-chain';
import { chainOf } from '../testing/ledger-entry.builders';
import { aGrantedRequest } from '../testing/ledger-event.builders';
import { groupBySize, toAuditRecord } from './audit-record';

describe(toAuditRecord.name, () => {
  it('carries the exact hashed payload, so a reader can recompute the hash', () => {
    const { events } = aGrantedRequest();
    const [first, second] = chainOf(events).entries;

    const record = toAuditRecord(second!);

    expect(record).toMatchObject({
      seq: 2,
      prevHash: first!.hash,
      hash: second!.hash,
      eventId: events[1]!.id,
      eventType: 'ApprovalRequested',
      partitionKey: events[1]!.partitionKey,
    });
    expect(record.event).toEqual(events[1]);
    expect(entryHash(record.prevHash, record.seq, record.payload)).toBe(record.hash);
  });
});

describe(groupBySize.name, () => {
  const record = (bytes: number) => ({ value: 'x'.repeat(bytes) });

  it('keeps the order and stays under the size', () => {
    const records = [record(40), record(40), record(40), record(10)];

    const groups = groupBySize(records, 100);

    expect(groups).toEqual([
      [records[0], records[1]],
      [records[2], records[3]],
    ]);
  });

  it('sends a record larger than the size alone', () => {
    const records = [record(10), record(500), record(10)];

    expect(groupBySize(records, 100)).toEqual([[records[0]], [records[1]], [records[2]]]);
  });

  it('has no groups for no records', () => {
    expect(groupBySize([], 100)).toEqual([]);
  });
});
