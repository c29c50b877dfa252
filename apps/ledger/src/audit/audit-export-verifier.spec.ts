import { generateKeyPairSync } from 'node:crypto';
import { signCheckpoint } from '../chain/checkpoint-signature';
import { chainOf } from '../testing/ledger-entry.builders';
import { aGrantedRequest } from '../testing/ledger-event.builders';
import { toAuditRecord, toCheckpointAuditRecord } from './audit-record';
import { verifyAuditExport } from './audit-export-verifier';

const signing = generateKeyPairSync('ed25519');
const otherKey = generateKeyPairSync('ed25519');
const keys = { publicKeys: [signing.publicKey] };

function anExport(count = 10) {
  const events = Array.from({ length: Math.ceil(count / 5) }, () => aGrantedRequest().events)
    .flat()
    .slice(0, count);
  const { entries } = chainOf(events);
  const records = entries.map((entry) => toAuditRecord(entry));
  return { entries, records };
}

const lines = (records: readonly object[]) => records.map((record) => JSON.stringify(record));

function checkpointOf(record: { seq: number; hash: string }, key = signing.privateKey) {
  return toCheckpointAuditRecord(
    signCheckpoint(
      { seq: record.seq, hash: record.hash, signedAt: '2026-12-03T11:00:00.000Z' },
      key,
    ),
  );
}

describe(verifyAuditExport.name, () => {
  it('verifies a whole export from genesis', () => {
    const { records } = anExport();

    const result = verifyAuditExport(lines(records), keys);

    expect(result).toEqual({
      ok: true,
      summary: expect.objectContaining({ entries: 10, firstSeq: 1, lastSeq: 10, duplicates: 0 }),
    });
  });

  it('verifies an export that starts at a middle seq from the link its first record names', () => {
    const { records } = anExport();

    const result = verifyAuditExport(lines(records.slice(4)), keys);

    expect(result.ok).toBe(true);
    expect(result.summary).toMatchObject({ firstSeq: 5, startsFrom: records[3]!.hash });
  });

  it('names the seq of an entry whose payload was altered', () => {
    const { records } = anExport();
    const tampered = records.map((record) =>
      record.seq === 6 ? { ...record, payload: record.payload.replace('u-101', 'u-666') } : record,
    );

    const result = verifyAuditExport(lines(tampered), keys);

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problem).toMatchObject({ problem: 'hash-mismatch', seq: 6, line: 6 });
  });

  it('names a field a SIEM indexes that disagrees with the payload', () => {
    const { records } = anExport();
    const tampered = records.map((record) =>
      record.seq === 3 ? { ...record, user: { ...record.user, id: 'u-999' } } : record,
    );

    const result = verifyAuditExport(lines(tampered), keys);

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problem).toMatchObject({
      problem: 'fields-mismatch',
      seq: 3,
      expected: '"u-202"',
      found: '"u-999"',
    });
    expect(result.problem.message).toContain('user.id');
  });

  it('names the first missing seq of a gap', () => {
    const { records } = anExport();
    const withGap = records.filter((record) => record.seq !== 4 && record.seq !== 5);

    const result = verifyAuditExport(lines(withGap), keys);

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problem).toMatchObject({ problem: 'missing-entry', seq: 4 });
  });

  it('names an entry that links elsewhere, as after a rewrite with recomputed hashes', () => {
    const { records } = anExport();
    const relinked = [...records];
    const rewritten = chainOf([JSON.parse(records[7]!.payload)], {
      seq: 7,
      hash: 'f'.repeat(64),
    }).entries[0]!;
    relinked[7] = toAuditRecord(rewritten);

    const result = verifyAuditExport(lines(relinked), keys);

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problem).toMatchObject({ problem: 'prev-hash-mismatch', seq: 8 });
  });

  it('refuses a first entry that does not link to the genesis hash', () => {
    const { records } = anExport();
    const [first] = chainOf([JSON.parse(records[0]!.payload)], {
      seq: 0,
      hash: '1'.repeat(64),
    }).entries;

    const result = verifyAuditExport(lines([toAuditRecord(first!), ...records.slice(1)]), keys);

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problem).toMatchObject({ problem: 'prev-hash-mismatch', seq: 1 });
  });

  it('leaves out duplicates and accepts replayed records in any order', () => {
    const { entries, records } = anExport();
    const replayed = entries.slice(2, 6).map((entry) => toAuditRecord(entry, { replay: true }));
    const shuffled = [...records.slice(0, 3), ...replayed, ...records.slice(3)].reverse();

    const result = verifyAuditExport(lines(shuffled), keys);

    expect(result.ok).toBe(true);
    expect(result.summary).toMatchObject({ entries: 10, duplicates: 4, replayed: 4 });
  });

  it('refuses two different records for one seq', () => {
    const { records } = anExport();
    const other = anExport();
    const conflicting = [...records, { ...other.records[4]! }];

    const result = verifyAuditExport(lines(conflicting), keys);

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((problem) => problem.problem)).toContain('conflicting-duplicate');
  });

  it('names a seq seen again with an altered hash a conflicting duplicate', () => {
    const { records } = anExport();
    const altered = { ...records[4]!, hash: 'f'.repeat(64) };

    const result = verifyAuditExport(lines([...records, altered]), keys);

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problem).toMatchObject({
      problem: 'conflicting-duplicate',
      seq: 5,
      line: 11,
      expected: records[4]!.hash,
      found: altered.hash,
    });
  });

  it('names the line that is not an audit record', () => {
    const { records } = anExport(3);

    const result = verifyAuditExport([...lines(records), '{not json', ''], keys);

    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problem).toMatchObject({ problem: 'unreadable-record', seq: null, line: 4 });
  });

  it('verifies entries published before record types existed by their chain alone', () => {
    const { entries } = anExport(3);
    const legacy = entries.map((entry) => ({ ...entry, event: JSON.parse(entry.payload) }));

    const result = verifyAuditExport(lines(legacy), keys);

    expect(result.ok).toBe(true);
    expect(result.summary.legacy).toBe(3);
  });

  describe('checkpoints', () => {
    it('accepts a checkpoint signed by a known key that agrees with its entry', () => {
      const { records } = anExport();
      const withCheckpoint = [
        ...records.slice(0, 5),
        checkpointOf(records[4]!),
        ...records.slice(5),
      ];

      const result = verifyAuditExport(lines(withCheckpoint), keys);

      expect(result.ok).toBe(true);
      expect(result.summary).toMatchObject({ checkpoints: 1, signaturesChecked: true });
    });

    it('refuses a checkpoint whose signature does not verify', () => {
      const { records } = anExport();
      const forged = { ...checkpointOf(records[4]!), signedAt: '2026-12-04T00:00:00.000Z' };

      const result = verifyAuditExport(lines([...records, forged]), keys);

      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.problem).toMatchObject({ problem: 'checkpoint-bad-signature', seq: 5 });
    });

    it('refuses a checkpoint signed by a key that is not among the public keys', () => {
      const { records } = anExport();
      const foreign = checkpointOf(records[4]!, otherKey.privateKey);

      const result = verifyAuditExport(lines([...records, foreign]), keys);

      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.problem).toMatchObject({ problem: 'checkpoint-unknown-key', seq: 5 });
    });

    it('accepts checkpoints signed by any of several keys, as during a rotation', () => {
      const { records } = anExport();
      const both = [
        ...records,
        checkpointOf(records[2]!, otherKey.privateKey),
        checkpointOf(records[8]!),
      ];

      const result = verifyAuditExport(lines(both), {
        publicKeys: [signing.publicKey, otherKey.publicKey],
      });

      expect(result.ok).toBe(true);
    });

    it('refuses a signed checkpoint that disagrees with the entry at its seq', () => {
      const { records } = anExport();
      const rewritten = anExport().records;
      // The export was rewritten from seq 1 on, but the checkpoint was signed before the rewrite.
      const result = verifyAuditExport(lines([...rewritten, checkpointOf(records[6]!)]), keys);

      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.problem).toMatchObject({
        problem: 'checkpoint-mismatch',
        seq: 7,
        expected: records[6]!.hash,
        found: rewritten[6]!.hash,
      });
    });

    it('counts a checkpoint of an entry before the export without comparing it', () => {
      const { records } = anExport();

      const result = verifyAuditExport(
        lines([checkpointOf(records[1]!), ...records.slice(5)]),
        keys,
      );

      expect(result.ok).toBe(true);
      expect(result.summary.checkpointsBeforeExport).toBe(1);
    });

    it('reports entries missing after the last one when a checkpoint names a later seq', () => {
      const { records } = anExport();

      const result = verifyAuditExport(
        lines([...records.slice(0, 6), checkpointOf(records[8]!)]),
        keys,
      );

      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.problem).toMatchObject({ problem: 'missing-entry', seq: 7 });
    });

    it('compares checkpoints without their signatures when given no keys, and says so', () => {
      const { records } = anExport();
      const foreign = checkpointOf(records[4]!, otherKey.privateKey);

      const result = verifyAuditExport(lines([...records, foreign]), { publicKeys: null });

      expect(result.ok).toBe(true);
      expect(result.summary.signaturesChecked).toBe(false);
    });
  });
});
