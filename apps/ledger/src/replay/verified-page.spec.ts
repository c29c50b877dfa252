import { StoredLedgerEntry } from '../append/ledger-entries.repository';
import { entryHash, GENESIS_LINK, verifyChain } from '../chain/hash-chain';
import { CorruptLedgerEntryError, toProjectedEntry } from '../projections/projection-rebuilder';
import { chainOf } from '../testing/ledger-entry.builders';
import { aGrantedRequest, anActivatedOptOut } from '../testing/ledger-event.builders';
import { verifyAndDecodePage } from './verified-page';

function aPage(): StoredLedgerEntry[] {
  const events = [...aGrantedRequest().events, ...anActivatedOptOut().events];
  return chainOf(events).entries.map(({ event: _event, ...stored }) => stored);
}

/** An entry whose payload is replaced and rehashed, so only what follows the hash can tell. */
function rehashed(entry: StoredLedgerEntry, payload: string): StoredLedgerEntry {
  return { ...entry, payload, hash: entryHash(entry.prevHash, entry.seq, payload) };
}

const TAMPERINGS: [string, (page: StoredLedgerEntry[]) => void][] = [
  ['a changed payload', (page) => (page[2] = { ...page[2]!, payload: `${page[2]!.payload} ` })],
  ['a wrong link', (page) => (page[1] = { ...page[1]!, prevHash: page[3]!.hash })],
  ['a missing entry', (page) => page.splice(2, 1)],
  ['a changed column', (page) => (page[3] = { ...page[3]!, eventType: 'GrantExpired' })],
  ['a payload that is not JSON', (page) => (page[0] = rehashed(page[0]!, 'not json'))],
];

describe(verifyAndDecodePage.name, () => {
  it('decodes an intact page into the events the full schema check decodes', () => {
    const page = aPage();

    const result = verifyAndDecodePage(page, GENESIS_LINK);

    expect(result).toEqual({
      ok: true,
      entries: page.map(toProjectedEntry),
      last: { seq: page.length, hash: page[page.length - 1]!.hash },
    });
  });

  it('continues from the link of the page before', () => {
    const page = aPage();
    const first = verifyAndDecodePage(page.slice(0, 2), GENESIS_LINK);

    const second = verifyAndDecodePage(page.slice(2), first.ok ? first.last : GENESIS_LINK);

    expect(second).toMatchObject({ ok: true, last: { seq: page.length } });
  });

  it.each(TAMPERINGS)(
    'names %s at the same seq and for the same reason as verifyChain',
    (_, tamper) => {
      const page = aPage();
      tamper(page);

      const chain = verifyChain(page, GENESIS_LINK);
      const result = verifyAndDecodePage(page, GENESIS_LINK);

      expect(chain.ok).toBe(false);
      expect(result).toEqual({
        ok: false,
        brokenSeq: chain.ok ? null : chain.brokenSeq,
        reason: chain.ok ? null : chain.reason,
      });
    },
  );

  it('refuses an entry of an unknown event type, naming its seq', () => {
    const page = aPage().slice(0, 2);
    const envelope = JSON.parse(page[1]!.payload) as Record<string, unknown>;
    const payload = JSON.stringify({ ...envelope, type: 'GrantTeleported' });
    page[1] = { ...rehashed(page[1]!, payload), eventType: 'GrantTeleported' };

    expect(() => verifyAndDecodePage(page, GENESIS_LINK)).toThrow(
      new CorruptLedgerEntryError(2, 'type: unknown event type GrantTeleported'),
    );
  });

  it('refuses an entry whose data is not an object', () => {
    const page = aPage().slice(0, 1);
    const envelope = JSON.parse(page[0]!.payload) as Record<string, unknown>;
    page[0] = rehashed(page[0]!, JSON.stringify({ ...envelope, data: null }));

    expect(() => verifyAndDecodePage(page, GENESIS_LINK)).toThrow(CorruptLedgerEntryError);
  });

  it('reports a broken chain before an entry that does not decode earlier in the page', () => {
    const page = aPage();
    const envelope = JSON.parse(page[0]!.payload) as Record<string, unknown>;
    page[0] = rehashed(page[0]!, JSON.stringify({ ...envelope, schemaVersion: 2 }));

    expect(verifyAndDecodePage(page, GENESIS_LINK)).toMatchObject({
      ok: false,
      brokenSeq: 2,
      reason: 'prev-hash-mismatch',
    });
  });
});
