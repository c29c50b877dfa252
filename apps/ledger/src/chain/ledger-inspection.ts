import { KeyObject } from 'node:crypto';
import { keyIdOf, LedgerCheckpoint, verifyCheckpointSignature } from './checkpoint-signature';
import {
  ChainBreakReason,
  ChainEntry,
  ChainLink,
  columnsMatchPayload,
  entryHash,
  GENESIS_LINK,
} from './hash-chain';

/** What is wrong with the ledger at the first seq that does not verify. */
export type LedgerProblem =
  'modified' | 'deleted' | 'inserted' | 'reordered' | 'checkpoint-mismatch';

/** The finer cause behind a problem: how it showed. */
export type LedgerProblemReason =
  | ChainBreakReason
  | 'renumbered'
  | 'duplicate-link'
  | 'links-to-later-entry'
  | 'checkpoint-hash-mismatch'
  | 'checkpoint-beyond-chain'
  | 'checkpoint-bad-signature'
  | 'checkpoint-unknown-key'
  | 'checkpoint-unsupported-algorithm';

/** What was expected at the seq, or found there: the parts of an entry or checkpoint that tell. */
export interface LedgerSighting {
  seq?: number;
  eventId?: string;
  hash?: string;
  prevHash?: string;
  keyId?: string;
  /** The keys a checkpoint may be signed by: those the verifier was given. */
  keyIds?: string[];
  algorithm?: string;
  signature?: 'valid' | 'invalid';
}

export interface LedgerFinding {
  problem: LedgerProblem;
  /** The first seq that is wrong. */
  seq: number;
  reason: LedgerProblemReason;
  expected: LedgerSighting;
  found: LedgerSighting;
}

/** The last verified entry, with the link it made to the one before. */
export interface VerifiedLink extends ChainLink {
  prevHash?: string;
}

export interface ChainInspectionInput {
  /** Entries in seq order, as stored, continuing after `from`. */
  entries: readonly ChainEntry[];
  from?: VerifiedLink;
  /** Checkpoints in seq order whose seq lies within `entries`. */
  checkpoints?: readonly LedgerCheckpoint[];
  /** The keys that verify checkpoint signatures; without them only their hashes are checked. */
  publicKeys?: readonly KeyObject[];
}

export type ChainInspection =
  | { ok: true; entries: number; checkpoints: number; last: VerifiedLink }
  | { ok: false; finding: LedgerFinding; entries: number; checkpoints: number; last: VerifiedLink };

/** How far back renumbered entries are looked for: a deletion of more moves them further. */
const MAX_RENUMBERING = 64;

/**
 * Walks entries and their checkpoints in seq order and names the first thing wrong: an entry
 * whose bytes changed (`modified`), a missing seq (`deleted`), an entry that does not belong
 * (`inserted`), entries out of their order (`reordered`), or a checkpoint that disagrees with the
 * chain or whose signature fails (`checkpoint-mismatch`).
 *
 * The stored hash of an entry is over its seq, so an entry moved to another seq still hashes at
 * its original one; the classification rests on that and on where each prev link points.
 */
export function inspectChain(input: ChainInspectionInput): ChainInspection {
  const { entries } = input;
  const checkpoints = input.checkpoints ?? [];
  const byHash = new Map(entries.map((entry, index) => [entry.hash, index]));
  let last: VerifiedLink = input.from ?? GENESIS_LINK;
  let verified = 0;
  let checked = 0;
  let next = 0;
  // A checkpoint that disagrees at an entry may be explained by a break the next entry reveals
  // (an entry inserted there), so its finding waits one entry.
  let pending: LedgerFinding | null = null;

  const broken = (finding: LedgerFinding): ChainInspection => ({
    ok: false,
    finding,
    entries: verified,
    checkpoints: checked,
    last,
  });

  for (let index = 0; index < entries.length; index += 1) {
    const entry = entries[index]!;
    const finding = inspectEntry(entries, index, last, byHash);
    if (finding) return broken(pending && pending.seq < finding.seq ? pending : finding);
    if (pending) return broken(pending);

    last = { seq: entry.seq, hash: entry.hash, prevHash: entry.prevHash };
    verified += 1;
    while (next < checkpoints.length && checkpoints[next]!.seq <= entry.seq) {
      const checkpoint = checkpoints[next]!;
      next += 1;
      pending = inspectCheckpoint(checkpoint, entry, input.publicKeys);
      if (pending) break;
      checked += 1;
    }
  }
  if (pending) return broken(pending);
  return { ok: true, entries: verified, checkpoints: checked, last };
}

export interface ChainEndInput {
  last: VerifiedLink;
  head: ChainLink;
  /** Signed checkpoints after `last`, in seq order: they vouch for entries that are not there. */
  checkpointsAfter?: readonly LedgerCheckpoint[];
  publicKeys?: readonly KeyObject[];
}

/** Whether a fully verified chain ends where the head and the checkpoints say it does. */
export function inspectChainEnd(input: ChainEndInput): LedgerFinding | null {
  const { last, head } = input;
  if (head.seq > last.seq) {
    return {
      problem: 'deleted',
      seq: last.seq + 1,
      reason: 'missing-entry',
      expected: { seq: head.seq, hash: head.hash },
      found: { seq: last.seq, hash: last.hash },
    };
  }
  if (head.seq === last.seq && head.hash !== last.hash) {
    return {
      problem: 'modified',
      seq: head.seq,
      reason: 'head-mismatch',
      expected: { seq: head.seq, hash: head.hash },
      found: { seq: last.seq, hash: last.hash },
    };
  }
  for (const checkpoint of input.checkpointsAfter ?? []) {
    if (checkpoint.seq <= last.seq) continue;
    const signature = signatureFinding(checkpoint, input.publicKeys);
    if (signature) return signature;
    return {
      problem: 'deleted',
      seq: last.seq + 1,
      reason: 'checkpoint-beyond-chain',
      expected: { seq: checkpoint.seq, hash: checkpoint.hash, keyId: checkpoint.keyId },
      found: { seq: last.seq, hash: last.hash },
    };
  }
  return null;
}

function inspectEntry(
  entries: readonly ChainEntry[],
  index: number,
  last: VerifiedLink,
  byHash: ReadonlyMap<string, number>,
): LedgerFinding | null {
  const entry = entries[index]!;
  const expectedSeq = last.seq + 1;
  const seen = sighting(entry);

  if (entry.seq > expectedSeq) {
    return {
      problem: 'deleted',
      seq: expectedSeq,
      reason: 'missing-entry',
      expected: { seq: expectedSeq, prevHash: last.hash },
      found: seen,
    };
  }
  if (entry.seq < expectedSeq) {
    return {
      problem: 'inserted',
      seq: entry.seq,
      reason: 'duplicate-link',
      expected: { seq: expectedSeq },
      found: seen,
    };
  }

  const consistent = hashesAt(entry, entry.seq);
  const linked = entry.prevHash === last.hash;
  if (consistent && linked) {
    if (columnsMatchPayload(entry)) return null;
    return {
      problem: 'modified',
      seq: entry.seq,
      reason: 'columns-mismatch',
      expected: envelopeSighting(entry),
      found: seen,
    };
  }

  // Two entries linking to one predecessor: the one already accepted is the intruder.
  if (!linked && last.prevHash !== undefined && entry.prevHash === last.prevHash) {
    return {
      problem: 'inserted',
      seq: last.seq,
      reason: 'duplicate-link',
      expected: { seq: last.seq, eventId: entry.eventId, hash: entry.hash },
      found: { seq: last.seq, hash: last.hash, prevHash: last.prevHash },
    };
  }

  const target = byHash.get(entry.prevHash);
  if (!linked && target !== undefined && target > index) {
    const belongs = entries.find((candidate) => candidate.prevHash === last.hash);
    return {
      problem: 'reordered',
      seq: entry.seq,
      reason: 'links-to-later-entry',
      expected: belongs ? sighting(belongs) : { seq: entry.seq, prevHash: last.hash },
      found: seen,
    };
  }

  const following = entries[index + 1];
  if (following && following.prevHash === last.hash && hashesAt(following, entry.seq)) {
    return {
      problem: 'inserted',
      seq: entry.seq,
      reason: 'renumbered',
      expected: { ...sighting(following), seq: entry.seq },
      found: seen,
    };
  }

  if (!linked && target !== undefined) {
    return {
      problem: 'inserted',
      seq: entry.seq,
      reason: 'duplicate-link',
      expected: { seq: entry.seq, prevHash: last.hash },
      found: seen,
    };
  }

  if (linked) {
    return {
      problem: 'modified',
      seq: entry.seq,
      reason: 'hash-mismatch',
      expected: { seq: entry.seq, hash: entry.hash },
      found: { ...seen, hash: entryHash(entry.prevHash, entry.seq, entry.payload) },
    };
  }

  // The entry links to a hash the chain does not hold.
  if (consistent && last.seq > 0) {
    // It was hashed where it stands, so the entry before it changed and was hashed again.
    return {
      problem: 'modified',
      seq: last.seq,
      reason: 'prev-hash-mismatch',
      expected: { seq: last.seq, hash: entry.prevHash },
      found: { seq: last.seq, hash: last.hash },
    };
  }
  const originalSeq = renumberedFrom(entry);
  if (originalSeq !== null) {
    return {
      problem: 'deleted',
      seq: entry.seq,
      reason: 'renumbered',
      expected: { seq: entry.seq, prevHash: last.hash },
      found: { ...seen, seq: originalSeq },
    };
  }
  return {
    problem: 'modified',
    seq: entry.seq,
    reason: 'prev-hash-mismatch',
    expected: { seq: entry.seq, prevHash: last.hash },
    found: seen,
  };
}

function inspectCheckpoint(
  checkpoint: LedgerCheckpoint,
  entry: ChainEntry,
  publicKeys: readonly KeyObject[] | undefined,
): LedgerFinding | null {
  const signature = signatureFinding(checkpoint, publicKeys);
  if (signature) return signature;
  if (checkpoint.seq === entry.seq && checkpoint.hash === entry.hash) return null;
  return {
    problem: 'checkpoint-mismatch',
    seq: checkpoint.seq,
    reason: 'checkpoint-hash-mismatch',
    expected: { seq: checkpoint.seq, hash: checkpoint.hash, keyId: checkpoint.keyId },
    found: checkpoint.seq === entry.seq ? sighting(entry) : { seq: checkpoint.seq },
  };
}

function signatureFinding(
  checkpoint: LedgerCheckpoint,
  publicKeys: readonly KeyObject[] | undefined,
): LedgerFinding | null {
  if (publicKeys === undefined) return null;
  const check = verifyCheckpointSignature(checkpoint, publicKeys);
  if (check.ok) return null;
  const { seq, hash, keyId } = checkpoint;
  const finding = {
    problem: 'checkpoint-mismatch' as const,
    seq,
    reason: `checkpoint-${check.reason}` as const,
  };
  switch (check.reason) {
    case 'unsupported-algorithm':
      return {
        ...finding,
        expected: { seq, algorithm: 'Ed25519' },
        found: { seq, hash, algorithm: checkpoint.algorithm },
      };
    case 'unknown-key':
      // The signer is not among the keys given: say which keys those were, not the signer twice.
      return {
        ...finding,
        expected: { seq, keyIds: publicKeys.map(keyIdOf) },
        found: { seq, hash, keyId },
      };
    case 'bad-signature':
      return {
        ...finding,
        expected: { seq, hash, keyId, signature: 'valid' },
        found: { seq, hash, keyId, signature: 'invalid' },
      };
  }
}

function hashesAt(entry: ChainEntry, seq: number): boolean {
  return entryHash(entry.prevHash, seq, entry.payload) === entry.hash;
}

// Entries after a deleted one, renumbered to close the gap, still hash at their old, higher seq.
function renumberedFrom(entry: ChainEntry): number | null {
  for (let shift = 1; shift <= MAX_RENUMBERING; shift += 1) {
    if (hashesAt(entry, entry.seq + shift)) return entry.seq + shift;
  }
  return null;
}

function sighting(entry: ChainEntry): LedgerSighting {
  return { seq: entry.seq, eventId: entry.eventId, hash: entry.hash, prevHash: entry.prevHash };
}

function envelopeSighting(entry: ChainEntry): LedgerSighting {
  try {
    const envelope = JSON.parse(entry.payload) as { id?: unknown };
    return { seq: entry.seq, eventId: String(envelope.id) };
  } catch {
    return { seq: entry.seq };
  }
}
