import { LedgerEntriesRepository } from '../append/ledger-entries.repository';
import { Queryable } from '../queryable';
import { ChainBreakReason, ChainLink, GENESIS_LINK, verifyChain } from './hash-chain';

export type LedgerVerification =
  | { ok: true; entries: number; headSeq: number; headHash: string }
  | {
      ok: false;
      brokenSeq: number;
      reason: ChainBreakReason;
      /** Entries verified before the break. */
      entries: number;
      headSeq: number;
      headHash: string;
    };

export const VERIFY_PAGE_SIZE = 1000;

/**
 * Walks the stored chain from genesis to the head, a page at a time, and checks that it ends
 * exactly at the head. Entries appended while it runs are left for the next verification.
 */
export async function verifyLedger(
  db: Queryable,
  pageSize = VERIFY_PAGE_SIZE,
): Promise<LedgerVerification> {
  const repository = new LedgerEntriesRepository();
  const head = await repository.readHead(db);
  const atHead = { headSeq: head.seq, headHash: head.hash };

  let last: ChainLink = GENESIS_LINK;
  let verified = 0;
  for (;;) {
    const page = await repository.readEntries(db, last.seq, head.seq, pageSize);
    const result = verifyChain(page, last);
    verified += result.verified;
    if (!result.ok) {
      return {
        ok: false,
        brokenSeq: result.brokenSeq,
        reason: result.reason,
        entries: verified,
        ...atHead,
      };
    }
    last = result.last;
    if (page.length < pageSize) break;
  }

  if (last.seq !== head.seq) {
    return {
      ok: false,
      brokenSeq: last.seq + 1,
      reason: 'missing-entry',
      entries: verified,
      ...atHead,
    };
  }
  if (last.hash !== head.hash) {
    return {
      ok: false,
      brokenSeq: head.seq,
      reason: 'head-mismatch',
      entries: verified,
      ...atHead,
    };
  }
  return { ok: true, entries: verified, ...atHead };
}
