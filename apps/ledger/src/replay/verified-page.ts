import { CURRENT_SCHEMA_VERSION, DomainEvent, EventType, EventTypes } from '@app/contracts';
import { StoredLedgerEntry } from '../append/ledger-entries.repository';
import {
  ChainBreakReason,
  ChainLink,
  ChainLinks,
  columnsMatchEnvelope,
  EnvelopeColumns,
  verifyLinks,
} from '../chain/hash-chain';
import { CorruptLedgerEntryError } from '../projections/projection-rebuilder';
import { ProjectedEntry } from '../projections/projected-entry';

export type PageVerification =
  | { ok: true; entries: ProjectedEntry[]; last: ChainLink }
  | { ok: false; brokenSeq: number; reason: ChainBreakReason };

/** The envelope fields the column check and the decoding read, before either trusts them. */
interface ParsedEnvelope extends EnvelopeColumns {
  schemaVersion?: unknown;
  data?: unknown;
}

const KNOWN_TYPES = new Set<string>(EventTypes);

/**
 * Verifies a page of entries as `verifyChain` does (seq, link, hash, columns against the payload,
 * the same reasons at the same seq) and decodes its events, parsing each payload once: the parse
 * done for the column check is the event that is folded. Links are verified first (`verifyLinks`),
 * then columns, and only then is any entry decoded, so a broken chain is reported before a
 * payload that does not decode.
 */
export function verifyAndDecodePage(
  page: readonly StoredLedgerEntry[],
  from: ChainLink,
): PageVerification {
  return decodeLinkedPage(page, verifyLinks(page, from));
}

/**
 * The rest of the verification, on a page whose links `links` reports: the columns of every entry
 * before the first broken link (an earlier column mismatch is the first break), then the events.
 */
function decodeLinkedPage(page: readonly StoredLedgerEntry[], links: ChainLinks): PageVerification {
  const intact = links.ok ? page.length : links.intact;
  const envelopes: ParsedEnvelope[] = new Array(intact);
  for (let index = 0; index < intact; index += 1) {
    const entry = page[index]!;
    const envelope = parseEnvelope(entry.payload);
    if (envelope === null || !columnsMatchEnvelope(entry, envelope)) {
      return { ok: false, brokenSeq: entry.seq, reason: 'columns-mismatch' };
    }
    envelopes[index] = envelope;
  }
  if (!links.ok) return { ok: false, brokenSeq: links.brokenSeq, reason: links.reason };

  const entries = page.map((entry, index) => ({
    seq: entry.seq,
    recordedAt: entry.recordedAt,
    event: eventOf(entry.seq, envelopes[index]!),
  }));
  return { ok: true, entries, last: links.last };
}

function parseEnvelope(payload: string): ParsedEnvelope | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return null;
  }
  return parsed !== null && typeof parsed === 'object' ? (parsed as ParsedEnvelope) : null;
}

// The zod schema is not run again here. A payload is the canonical JSON of an event the append
// path validated with that schema before it stored it, and the hash just verified proves these
// are still those bytes: changing a payload breaks its hash, and rewriting every hash after it ends
// in a chain the signed checkpoints no longer match, which `ledger verify` reports. What is checked
// is what the projections switch on, so that an entry they cannot read fails here, named, rather
// than as a TypeError or an "unhandled event" deep in a fold.
// Limitation: a chain rewritten and re-hashed by someone who can write to the table, with an
// event whose data lacks fields, folds with those fields undefined (e.g. "undefined" in an audit
// trail summary) instead of failing; replay does not check the checkpoints, `ledger verify` does.
function eventOf(seq: number, envelope: ParsedEnvelope): DomainEvent {
  if (typeof envelope.type !== 'string' || !KNOWN_TYPES.has(envelope.type)) {
    throw new CorruptLedgerEntryError(seq, `type: unknown event type ${String(envelope.type)}`);
  }
  if (envelope.schemaVersion !== CURRENT_SCHEMA_VERSION) {
    throw new CorruptLedgerEntryError(
      seq,
      `schemaVersion: expected ${CURRENT_SCHEMA_VERSION}, not ${String(envelope.schemaVersion)}`,
    );
  }
  const { data } = envelope;
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new CorruptLedgerEntryError(seq, `data: the ${envelope.type as EventType} has no data`);
  }
  return envelope as DomainEvent;
}
