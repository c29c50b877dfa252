import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { chainOf } from '../testing/ledger-entry.builders';
import { anAccessRequested } from '../testing/ledger-event.builders';
import { keyIdOf, LedgerCheckpoint, signCheckpoint } from './checkpoint-signature';
import { ChainEntry, entryHash, GENESIS_HASH } from './hash-chain';
import { inspectChain, inspectChainEnd } from './ledger-inspection';

const keys = generateKeyPairSync('ed25519');
const SIGNED_AT = '2026-12-03T10:00:00.000Z';

function aChain(length: number): ChainEntry[] {
  return chainOf(Array.from({ length }, () => anAccessRequested())).entries;
}

function checkpointOf(entry: ChainEntry, privateKey = keys.privateKey): LedgerCheckpoint {
  return signCheckpoint({ seq: entry.seq, hash: entry.hash, signedAt: SIGNED_AT }, privateKey);
}

/** Re-links and re-hashes every entry from `fromIndex` on, as someone covering a change would. */
function rehashFrom(chain: ChainEntry[], fromIndex: number): ChainEntry[] {
  const result = chain.slice(0, fromIndex);
  let prevHash = fromIndex === 0 ? GENESIS_HASH : chain[fromIndex - 1]!.hash;
  for (const entry of chain.slice(fromIndex)) {
    const hash = entryHash(prevHash, entry.seq, entry.payload);
    result.push({ ...entry, prevHash, hash });
    prevHash = hash;
  }
  return result;
}

function withSeq(entry: ChainEntry, seq: number): ChainEntry {
  return { ...entry, seq };
}

describe(inspectChain.name, () => {
  it('accepts an intact chain with its checkpoints', () => {
    const chain = aChain(6);

    const result = inspectChain({
      entries: chain,
      checkpoints: [checkpointOf(chain[2]!), checkpointOf(chain[5]!)],
      publicKeys: [keys.publicKey],
    });

    expect(result).toEqual({
      ok: true,
      entries: 6,
      checkpoints: 2,
      last: { seq: 6, hash: chain[5]!.hash, prevHash: chain[4]!.hash },
    });
  });

  it('names an entry whose payload changed as modified, with the hash it should have', () => {
    const chain = aChain(5);
    const original = chain[2]!;
    chain[2] = { ...original, payload: original.payload.replace('u-101', 'u-666') };

    const result = inspectChain({ entries: chain });

    expect(result).toMatchObject({
      ok: false,
      entries: 2,
      finding: {
        problem: 'modified',
        seq: 3,
        reason: 'hash-mismatch',
        expected: { hash: original.hash },
        found: { hash: entryHash(original.prevHash, 3, chain[2]!.payload) },
      },
    });
  });

  it('names an entry changed and hashed again as modified, found by the next link', () => {
    const chain = aChain(5);
    const original = chain[1]!;
    const payload = original.payload.replace('u-101', 'u-666');
    chain[1] = { ...original, payload, hash: entryHash(original.prevHash, 2, payload) };

    expect(inspectChain({ entries: chain })).toMatchObject({
      finding: {
        problem: 'modified',
        seq: 2,
        expected: { hash: original.hash },
        found: { hash: chain[1]!.hash },
      },
    });
  });

  it('names a column that disagrees with the payload as modified', () => {
    const chain = aChain(3);
    chain[1] = { ...chain[1]!, eventType: 'GrantIssued' };

    expect(inspectChain({ entries: chain })).toMatchObject({
      finding: { problem: 'modified', seq: 2, reason: 'columns-mismatch' },
    });
  });

  it('names the missing seq of a deleted entry as deleted', () => {
    const chain = aChain(5);
    const [removed] = chain.splice(2, 1);

    expect(inspectChain({ entries: chain })).toMatchObject({
      finding: {
        problem: 'deleted',
        seq: 3,
        reason: 'missing-entry',
        expected: { seq: 3, prevHash: chain[1]!.hash },
        found: { seq: 4, prevHash: removed!.hash },
      },
    });
  });

  it('names a deletion whose gap was closed by renumbering as deleted', () => {
    const chain = aChain(6);
    chain.splice(2, 1);
    const renumbered = chain.map((entry, index) => withSeq(entry, index + 1));

    expect(inspectChain({ entries: renumbered })).toMatchObject({
      finding: { problem: 'deleted', seq: 3, reason: 'renumbered', found: { seq: 4 } },
    });
  });

  it('names an entry inserted with the later ones renumbered as inserted, at its seq', () => {
    const chain = aChain(5);
    const intruder = chainOf([anAccessRequested()], { seq: 2, hash: chain[1]!.hash }).entries[0]!;
    const tampered = [
      ...chain.slice(0, 2),
      intruder,
      ...chain.slice(2).map((e) => withSeq(e, e.seq + 1)),
    ];

    expect(inspectChain({ entries: tampered })).toMatchObject({
      finding: {
        problem: 'inserted',
        seq: 3,
        reason: 'duplicate-link',
        expected: { eventId: chain[2]!.eventId, hash: chain[2]!.hash },
        found: { seq: 3, hash: intruder.hash },
      },
    });
  });

  it('names an inserted entry with a made-up hash as inserted, not as modified', () => {
    const chain = aChain(5);
    const intruder = { ...chain[2]!, eventId: 'forged', hash: 'f'.repeat(64), seq: 3 };
    const tampered = [
      ...chain.slice(0, 2),
      intruder,
      ...chain.slice(2).map((e) => withSeq(e, e.seq + 1)),
    ];

    expect(inspectChain({ entries: tampered })).toMatchObject({
      finding: { problem: 'inserted', seq: 3, reason: 'renumbered' },
    });
  });

  it('names two entries that swapped seqs as reordered, at the first of them', () => {
    const chain = aChain(6);
    const [third, fourth] = [chain[2]!, chain[3]!];
    chain[2] = withSeq(fourth, 3);
    chain[3] = withSeq(third, 4);

    expect(inspectChain({ entries: chain })).toMatchObject({
      finding: {
        problem: 'reordered',
        seq: 3,
        reason: 'links-to-later-entry',
        expected: { eventId: third.eventId },
        found: { eventId: fourth.eventId },
      },
    });
  });

  it('names entries swapped far apart as reordered', () => {
    const chain = aChain(8);
    const [second, sixth] = [chain[1]!, chain[5]!];
    chain[1] = withSeq(sixth, 2);
    chain[5] = withSeq(second, 6);

    expect(inspectChain({ entries: chain })).toMatchObject({
      finding: { problem: 'reordered', seq: 2 },
    });
  });

  it('names a chain rewritten with fresh hashes by the signed checkpoint it no longer matches', () => {
    const chain = aChain(8);
    const checkpoints = [checkpointOf(chain[2]!), checkpointOf(chain[5]!)];
    const changed = chain.map((entry, index) =>
      index >= 3 ? { ...entry, payload: entry.payload.replace('u-101', 'u-666') } : entry,
    );
    const rewritten = rehashFrom(changed, 3);

    const result = inspectChain({ entries: rewritten, checkpoints, publicKeys: [keys.publicKey] });

    expect(result).toMatchObject({
      ok: false,
      checkpoints: 1,
      finding: {
        problem: 'checkpoint-mismatch',
        seq: 6,
        reason: 'checkpoint-hash-mismatch',
        expected: { seq: 6, hash: chain[5]!.hash },
        found: { seq: 6, hash: rewritten[5]!.hash },
      },
    });
  });

  it('names a checkpoint whose signature fails, or whose key is unknown', () => {
    const chain = aChain(4);
    const forged = { ...checkpointOf(chain[1]!), signedAt: '2026-12-03T11:00:00.000Z' };
    const stranger = checkpointOf(chain[3]!, generateKeyPairSync('ed25519').privateKey);

    expect(
      inspectChain({ entries: chain, checkpoints: [forged], publicKeys: [keys.publicKey] }),
    ).toMatchObject({
      finding: { problem: 'checkpoint-mismatch', seq: 2, reason: 'checkpoint-bad-signature' },
    });
    expect(
      inspectChain({ entries: chain, checkpoints: [stranger], publicKeys: [keys.publicKey] }),
    ).toMatchObject({
      finding: { problem: 'checkpoint-mismatch', seq: 4, reason: 'checkpoint-unknown-key' },
    });
  });

  it('names the keys it was given and the key that signed, for a checkpoint of an unknown key', () => {
    const chain = aChain(2);
    const strangerKey = generateKeyPairSync('ed25519').privateKey;
    const stranger = checkpointOf(chain[1]!, strangerKey);

    const result = inspectChain({
      entries: chain,
      checkpoints: [stranger],
      publicKeys: [keys.publicKey],
    });

    expect(result).toMatchObject({
      ok: false,
      finding: {
        expected: { seq: 2, keyIds: [keyIdOf(keys.publicKey)] },
        found: { seq: 2, hash: chain[1]!.hash, keyId: keyIdOf(createPublicKey(strangerKey)) },
      },
    });
    expect(keyIdOf(keys.publicKey)).not.toBe(keyIdOf(createPublicKey(strangerKey)));
  });

  it('says a forged signature is invalid for the key the checkpoint names', () => {
    const chain = aChain(2);
    const forged = { ...checkpointOf(chain[1]!), signedAt: '2026-12-03T11:00:00.000Z' };

    const result = inspectChain({
      entries: chain,
      checkpoints: [forged],
      publicKeys: [keys.publicKey],
    });

    expect(result).toMatchObject({
      finding: {
        expected: { seq: 2, keyId: forged.keyId, signature: 'valid' },
        found: { seq: 2, keyId: forged.keyId, signature: 'invalid' },
      },
    });
  });

  it('compares checkpoints with the chain without keys, leaving signatures unchecked', () => {
    const chain = aChain(3);
    const foreign = checkpointOf(chain[1]!, generateKeyPairSync('ed25519').privateKey);

    expect(inspectChain({ entries: chain, checkpoints: [foreign] })).toMatchObject({
      ok: true,
      checkpoints: 1,
    });
  });

  it('names an insertion at a checkpointed seq as inserted rather than as the checkpoint', () => {
    const chain = aChain(5);
    const checkpoints = [checkpointOf(chain[2]!)];
    const intruder = chainOf([anAccessRequested()], { seq: 2, hash: chain[1]!.hash }).entries[0]!;
    const tampered = [
      ...chain.slice(0, 2),
      intruder,
      ...chain.slice(2).map((e) => withSeq(e, e.seq + 1)),
    ];

    expect(inspectChain({ entries: tampered, checkpoints })).toMatchObject({
      finding: { problem: 'inserted', seq: 3 },
    });
  });

  it('continues from a verified link, as a paged walk does', () => {
    const chain = aChain(6);
    const from = { seq: 3, hash: chain[2]!.hash, prevHash: chain[2]!.prevHash };

    expect(inspectChain({ entries: chain.slice(3), from })).toMatchObject({
      ok: true,
      entries: 3,
      last: { seq: 6 },
    });
  });
});

describe(inspectChainEnd.name, () => {
  const chain = aChain(4);
  const last = { seq: 4, hash: chain[3]!.hash, prevHash: chain[2]!.hash };

  it('accepts a chain that ends at the head', () => {
    expect(inspectChainEnd({ last, head: { seq: 4, hash: last.hash } })).toBeNull();
  });

  it('names entries missing at the end as deleted', () => {
    expect(inspectChainEnd({ last, head: { seq: 6, hash: 'a'.repeat(64) } })).toMatchObject({
      problem: 'deleted',
      seq: 5,
    });
  });

  it('names a last entry that differs from the head as modified', () => {
    expect(inspectChainEnd({ last, head: { seq: 4, hash: 'a'.repeat(64) } })).toMatchObject({
      problem: 'modified',
      seq: 4,
      reason: 'head-mismatch',
    });
  });

  it('names entries cut off with the head moved back by the checkpoint that names them', () => {
    const beyond = signCheckpoint(
      { seq: 7, hash: 'b'.repeat(64), signedAt: SIGNED_AT },
      keys.privateKey,
    );

    expect(
      inspectChainEnd({
        last,
        head: { seq: 4, hash: last.hash },
        checkpointsAfter: [beyond],
        publicKeys: [keys.publicKey],
      }),
    ).toMatchObject({
      problem: 'deleted',
      seq: 5,
      reason: 'checkpoint-beyond-chain',
      expected: { seq: 7 },
    });
  });
});
