import { createHash } from 'node:crypto';
import { chainOf } from '../testing/ledger-entry.builders';
import { aGrantedRequest, anAccessRequested } from '../testing/ledger-event.builders';
import {
  canonicalPayload,
  ChainEntry,
  entryHash,
  GENESIS_HASH,
  GENESIS_LINK,
  verifyChain,
  verifyLinks,
} from './hash-chain';

function aChain(length: number): ChainEntry[] {
  const events = Array.from({ length }, () => anAccessRequested());
  return chainOf(events).entries;
}

describe(entryHash.name, () => {
  it('hashes the previous hash, the seq and the payload, separated by newlines', () => {
    const expected = createHash('sha256').update(`${GENESIS_HASH}\n1\n{"a":1}`).digest('hex');

    expect(entryHash(GENESIS_HASH, 1, '{"a":1}')).toBe(expected);
  });

  it('hashes the UTF-8 bytes of payloads in any script, and of payloads of any size', () => {
    const payloads = [
      '{"justification":"Störung im Zahlungsverkehr – 支付 🚨"}',
      `{"notes":"${'ü'.repeat(200_000)}"}`,
      '{"a":2}',
    ];

    for (const payload of payloads) {
      const expected = createHash('sha256')
        .update(Buffer.from(`${GENESIS_HASH}\n7\n${payload}`, 'utf8'))
        .digest('hex');
      expect(entryHash(GENESIS_HASH, 7, payload)).toBe(expected);
    }
  });

  it('gives different hashes when only the seq differs', () => {
    expect(entryHash(GENESIS_HASH, 1, '{}')).not.toBe(entryHash(GENESIS_HASH, 2, '{}'));
  });

  it('starts from a genesis hash of 64 zeros', () => {
    expect(GENESIS_HASH).toMatch(/^0{64}$/);
  });
});

describe(canonicalPayload.name, () => {
  it('writes the same bytes whatever the key order', () => {
    expect(canonicalPayload({ b: 1, a: { d: [1, 'x'], c: null } })).toBe(
      canonicalPayload({ a: { c: null, d: [1, 'x'] }, b: 1 }),
    );
    expect(canonicalPayload({ b: 1, a: 2 })).toBe('{"a":2,"b":1}');
  });
});

describe(verifyChain.name, () => {
  it('accepts an intact chain and returns its last link', () => {
    const chain = aChain(5);

    const result = verifyChain(chain);

    expect(result).toEqual({ ok: true, verified: 5, last: { seq: 5, hash: chain[4]!.hash } });
  });

  it('accepts an empty chain', () => {
    expect(verifyChain([])).toEqual({ ok: true, verified: 0, last: GENESIS_LINK });
  });

  it('continues a chain from a given link, as a paged walk does', () => {
    const chain = aChain(6);
    const first = verifyChain(chain.slice(0, 3));

    const second = verifyChain(chain.slice(3), first.last);

    expect(second).toMatchObject({ ok: true, verified: 3, last: { seq: 6 } });
  });

  it('detects a tampered payload at its seq', () => {
    const chain = aChain(4);
    const tampered = chain[2]!;
    chain[2] = { ...tampered, payload: tampered.payload.replace('u-101', 'u-666') };

    expect(verifyChain(chain)).toMatchObject({ ok: false, brokenSeq: 3, reason: 'hash-mismatch' });
  });

  it('detects an entry rehashed after tampering, by the next link', () => {
    const chain = aChain(4);
    const original = chain[1]!;
    const payload = original.payload.replace('u-101', 'u-666');
    chain[1] = { ...original, payload, hash: entryHash(original.prevHash, 2, payload) };

    expect(verifyChain(chain)).toMatchObject({
      ok: false,
      brokenSeq: 3,
      reason: 'prev-hash-mismatch',
    });
  });

  it('detects a gap and names the first missing seq', () => {
    const chain = aChain(5);
    chain.splice(2, 1);

    expect(verifyChain(chain)).toMatchObject({
      ok: false,
      brokenSeq: 3,
      reason: 'missing-entry',
      verified: 2,
    });
  });

  it('detects a column that disagrees with the payload', () => {
    const chain = aChain(3);
    chain[0] = { ...chain[0]!, eventType: 'GrantIssued' };

    expect(verifyChain(chain)).toMatchObject({
      ok: false,
      brokenSeq: 1,
      reason: 'columns-mismatch',
    });
  });

  it('accepts a stored event id in another letter case than the payload', () => {
    const { events } = aGrantedRequest();
    const chain = chainOf(events).entries;
    const stored = chain.map((entry) => ({ ...entry, eventId: entry.eventId.toUpperCase() }));

    expect(verifyChain(stored).ok).toBe(true);
  });

  it('detects a chain that does not start at genesis', () => {
    const chain = aChain(3);

    expect(verifyChain(chain.slice(1))).toMatchObject({
      ok: false,
      brokenSeq: 1,
      reason: 'missing-entry',
    });
  });
});

describe(verifyLinks.name, () => {
  it('counts the intact entries before the first broken link', () => {
    const chain = aChain(5);
    chain[3] = { ...chain[3]!, payload: `${chain[3]!.payload} ` };

    expect(verifyLinks(chain, GENESIS_LINK)).toEqual({
      ok: false,
      brokenSeq: 4,
      reason: 'hash-mismatch',
      intact: 3,
    });
  });

  it('leaves columns to the caller, which parses the payloads', () => {
    const chain = aChain(2);
    chain[0] = { ...chain[0]!, eventType: 'GrantIssued' };

    expect(verifyLinks(chain, GENESIS_LINK)).toEqual({
      ok: true,
      last: { seq: 2, hash: chain[1]!.hash },
    });
    expect(verifyChain(chain)).toMatchObject({ ok: false, reason: 'columns-mismatch' });
  });
});
