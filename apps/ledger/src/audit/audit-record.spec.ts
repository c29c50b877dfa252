import { entryHash } from '../chain/hash-chain';
import { chainOf } from '../testing/ledger-entry.builders';
import { aGrantedRequest } from '../testing/ledger-event.builders';
import { generateKeyPairSync } from 'node:crypto';
import { signCheckpoint } from '../chain/checkpoint-signature';
import { groupBySize, toAuditRecord, toCheckpointAuditRecord } from './audit-record';

describe(toAuditRecord.name, () => {
  it('carries the exact hashed payload, so a reader can recompute the hash', () => {
    const { events } = aGrantedRequest();
    const [first, second] = chainOf(events).entries;

    const record = toAuditRecord(second!);

    expect(record).toMatchObject({
      recordType: 'entry',
      replay: false,
      seq: 2,
      prevHash: first!.hash,
      hash: second!.hash,
      eventId: events[1]!.id,
      eventType: 'ApprovalRequested',
      partitionKey: events[1]!.partitionKey,
    });
    expect(record.jit.event).toEqual(events[1]);
    expect(entryHash(record.prevHash, record.seq, record.payload)).toBe(record.hash);
  });

  it('carries the ECS fields of its event, with the chain under jit.ledger', () => {
    const { events } = aGrantedRequest();
    const [, second] = chainOf(events).entries;

    const record = toAuditRecord(second!);

    expect(record['@timestamp']).toBe(events[1]!.time);
    expect(record.event).toMatchObject({ action: 'approval-requested', sequence: 2 });
    expect(record.jit.ledger).toEqual({ seq: 2, hash: second!.hash, prev_hash: second!.prevHash });
  });

  it('marks a republished entry as replay and changes nothing else', () => {
    const [entry] = chainOf(aGrantedRequest().events).entries;

    const live = toAuditRecord(entry!);
    const replayed = toAuditRecord(entry!, { replay: true });

    expect(replayed).toEqual({ ...live, replay: true });
  });
});

describe(toCheckpointAuditRecord.name, () => {
  it('carries the checkpoint as signed, marked as a checkpoint record', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const checkpoint = signCheckpoint(
      { seq: 5, hash: 'a'.repeat(64), signedAt: '2026-12-03T10:00:00.000Z' },
      privateKey,
    );

    expect(toCheckpointAuditRecord(checkpoint, { replay: true })).toEqual({
      recordType: 'checkpoint',
      replay: true,
      ...checkpoint,
    });
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
