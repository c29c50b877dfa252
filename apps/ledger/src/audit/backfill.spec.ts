import { generateKeyPairSync } from 'node:crypto';
import { signCheckpoint } from '../chain/checkpoint-signature';
import { chainOf } from '../testing/ledger-entry.builders';
import { aGrantedRequest } from '../testing/ledger-event.builders';
import { backfillRecords } from './backfill';

describe(backfillRecords.name, () => {
  const { privateKey } = generateKeyPairSync('ed25519');
  const { entries } = chainOf(aGrantedRequest().events);
  const stored = entries.map((entry) => ({ ...entry }));
  const checkpointAt = (seq: number) =>
    signCheckpoint(
      { seq, hash: stored[seq - 1]!.hash, signedAt: '2026-12-03T11:00:00.000Z' },
      privateKey,
    );

  it('puts each checkpoint right after the entry it names, in seq order', () => {
    const records = backfillRecords(stored, [checkpointAt(2), checkpointAt(5)]);

    expect(records.map((record) => `${record.recordType}:${record.seq}`)).toEqual([
      'entry:1',
      'entry:2',
      'checkpoint:2',
      'entry:3',
      'entry:4',
      'entry:5',
      'checkpoint:5',
    ]);
  });

  it('marks every record as replay', () => {
    const records = backfillRecords(stored, [checkpointAt(3)]);

    expect(records.every((record) => record.replay)).toBe(true);
  });

  it('has entries only when there are no checkpoints', () => {
    expect(backfillRecords(stored, []).map((record) => record.recordType)).toEqual(
      Array(5).fill('entry'),
    );
  });
});
