import { KeyObject } from 'node:crypto';
import { LedgerEntriesRepository } from '../append/ledger-entries.repository';
import { CheckpointsRepository } from '../checkpoints/checkpoints.repository';
import { Queryable } from '../queryable';
import {
  ChainInspection,
  inspectChain,
  inspectChainEnd,
  LedgerFinding,
  LedgerProblem,
  LedgerProblemReason,
  LedgerSighting,
  VerifiedLink,
} from './ledger-inspection';
import { GENESIS_LINK } from './hash-chain';

export type LedgerVerification =
  | { ok: true; entries: number; checkpoints: number; headSeq: number; headHash: string }
  | {
      ok: false;
      /** The first seq that is wrong, and what is wrong there. */
      brokenSeq: number;
      problem: LedgerProblem;
      reason: LedgerProblemReason;
      expected: LedgerSighting;
      found: LedgerSighting;
      /** Entries and checkpoints verified before the break. */
      entries: number;
      checkpoints: number;
      headSeq: number;
      headHash: string;
    };

export interface VerifyLedgerOptions {
  /**
   * The keys that verify checkpoint signatures (see `verifyingKeysOfEnv`). Without them the
   * checkpoints are still compared with the chain, but their signatures are not checked.
   */
  publicKeys?: readonly KeyObject[];
  pageSize?: number;
}

export const VERIFY_PAGE_SIZE = 1000;

/**
 * Walks the stored chain from genesis to the head a page at a time, with every checkpoint on
 * the way, and checks that it ends exactly at the head. At the first problem it reads the entries
 * around it again, so that the classification sees what follows the break, also across a page
 * boundary. Entries appended while it runs are left for the next verification.
 */
export async function verifyLedger(
  db: Queryable,
  options: VerifyLedgerOptions | number = {},
): Promise<LedgerVerification> {
  const { publicKeys, pageSize = VERIFY_PAGE_SIZE } =
    typeof options === 'number' ? { pageSize: options } : options;
  const entries = new LedgerEntriesRepository();
  const checkpoints = new CheckpointsRepository();
  const head = await entries.readHead(db);
  const atHead = { headSeq: head.seq, headHash: head.hash };

  let last: VerifiedLink = GENESIS_LINK;
  let verified = { entries: 0, checkpoints: 0 };
  const inspectPage = async (from: VerifiedLink, size: number) => {
    const page = await entries.readEntries(db, from.seq, head.seq, size);
    const untilSeq = page.length > 0 ? page[page.length - 1]!.seq : from.seq;
    const pageCheckpoints = await checkpoints.read(db, from.seq, untilSeq, Number.MAX_SAFE_INTEGER);
    const result = inspectChain({ entries: page, from, checkpoints: pageCheckpoints, publicKeys });
    return { page, result };
  };
  const fail = (finding: LedgerFinding, counts: typeof verified): LedgerVerification => ({
    ok: false,
    brokenSeq: finding.seq,
    problem: finding.problem,
    reason: finding.reason,
    expected: finding.expected,
    found: finding.found,
    ...counts,
    ...atHead,
  });

  for (;;) {
    const { page, result } = await inspectPage(last, pageSize);
    if (!result.ok) {
      const counts = add(verified, result);
      return fail(await classifyInContext(result), counts);
    }
    verified = add(verified, result);
    last = result.last;
    if (page.length < pageSize) break;
  }

  const after = await checkpoints.read(db, last.seq, head.seq, 1);
  const end = inspectChainEnd({ last, head, checkpointsAfter: after, publicKeys });
  if (end) return fail(end, verified);
  return { ok: true, ...verified, ...atHead };

  // The page ended right after the break, or the break began at the page's first entry: read
  // from the last good entry on, with a page of what follows.
  async function classifyInContext(
    broken: Extract<ChainInspection, { ok: false }>,
  ): Promise<LedgerFinding> {
    const good = broken.last;
    if (good.seq === 0 || good.prevHash === undefined) return broken.finding;
    const from = { seq: good.seq - 1, hash: good.prevHash };
    const { result } = await inspectPage(from, pageSize + 1);
    if (result.ok || result.finding.seq > broken.finding.seq) return broken.finding;
    return result.finding;
  }
}

function add(
  counts: { entries: number; checkpoints: number },
  result: ChainInspection,
): { entries: number; checkpoints: number } {
  return {
    entries: counts.entries + result.entries,
    checkpoints: counts.checkpoints + result.checkpoints,
  };
}
