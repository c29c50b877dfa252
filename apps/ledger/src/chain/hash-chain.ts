import { hash } from 'node:crypto';
import canonicalize from 'canonicalize';

/** The hash the first entry links to: there is nothing before it. */
export const GENESIS_HASH = '0'.repeat(64);

/** The last entry of a chain, or the genesis link of an empty one. */
export interface ChainLink {
  seq: number;
  hash: string;
}

export const GENESIS_LINK: ChainLink = { seq: 0, hash: GENESIS_HASH };

/** What the chain protects of a stored entry; the other columns are checked against the payload. */
export interface ChainEntry {
  seq: number;
  eventId: string;
  eventType: string;
  partitionKey: string;
  occurredAt: string;
  payload: string;
  prevHash: string;
  hash: string;
}

export type ChainBreakReason =
  'missing-entry' | 'prev-hash-mismatch' | 'hash-mismatch' | 'columns-mismatch' | 'head-mismatch';

export type ChainVerification =
  | { ok: true; verified: number; last: ChainLink }
  | { ok: false; brokenSeq: number; reason: ChainBreakReason; verified: number; last: ChainLink };

/**
 * The exact bytes an entry stores and hashes: the RFC 8785 canonical JSON of the whole envelope,
 * so anyone can rebuild them from the event alone, whatever the key order it travelled in.
 */
export function canonicalPayload(envelope: object): string {
  const payload = canonicalize(envelope);
  if (payload === undefined) throw new Error('the event envelope has no JSON form');
  return payload;
}

// The bytes are encoded into one buffer outside the JavaScript heap, reused from entry to entry
// (hashing is synchronous, so no two calls share it at once). Hashing the joined string instead
// made a flat copy of every payload on the heap: a replay of a million entries allocated a
// gigabyte more and spent its time in the garbage collector. The one-shot `hash` is kept, as a
// `Hash` object per entry cost a third more. The buffer grows to the largest entry seen.
let scratch = Buffer.allocUnsafeSlow(64 * 1024);

/**
 * SHA-256, lowercase hex, over the UTF-8 bytes of `${prevHash}\n${seq}\n${payload}`: a fixed-width
 * hash, the decimal seq and then the payload, so no two different entries share a byte string.
 */
export function entryHash(prevHash: string, seq: number, payload: string): string {
  const prefix = `${prevHash}\n${seq}\n`;
  // A UTF-16 code unit never takes more than three bytes in UTF-8.
  const most = (prefix.length + payload.length) * 3;
  if (scratch.length < most) scratch = Buffer.allocUnsafeSlow(Math.max(most, scratch.length * 2));
  const prefixBytes = scratch.write(prefix, 0, 'utf8');
  const bytes = prefixBytes + scratch.write(payload, prefixBytes, 'utf8');
  return hash('sha256', scratch.subarray(0, bytes), 'hex');
}

/**
 * Checks entries in seq order, continuing from `from` (the genesis link for a whole chain), and
 * stops at the first entry that is missing, links to the wrong hash, was altered, or whose columns
 * disagree with its payload.
 */
export function verifyChain(
  entries: readonly ChainEntry[],
  from: ChainLink = GENESIS_LINK,
): ChainVerification {
  let last = from;
  let verified = 0;
  for (const entry of entries) {
    const reason = findBreak(entry, last);
    if (reason !== null) {
      const brokenSeq = reason === 'missing-entry' ? last.seq + 1 : entry.seq;
      return { ok: false, brokenSeq, reason, verified, last };
    }
    last = { seq: entry.seq, hash: entry.hash };
    verified += 1;
  }
  return { ok: true, verified, last };
}

function findBreak(entry: ChainEntry, previous: ChainLink): ChainBreakReason | null {
  return linkBreak(entry, previous) ?? (columnsMatchPayload(entry) ? null : 'columns-mismatch');
}

/** What a link needs of an entry: its place, the hash it links to, its bytes and its own hash. */
export type LinkedEntry = Pick<ChainEntry, 'seq' | 'payload' | 'prevHash' | 'hash'>;

/** Why an entry does not follow `previous`: missing before it, linked elsewhere, or altered. */
function linkBreak(entry: LinkedEntry, previous: ChainLink): ChainBreakReason | null {
  if (entry.seq !== previous.seq + 1) return 'missing-entry';
  if (entry.prevHash !== previous.hash) return 'prev-hash-mismatch';
  if (entryHash(entry.prevHash, entry.seq, entry.payload) !== entry.hash) return 'hash-mismatch';
  return null;
}

/** The links and hashes of entries: intact to the end, or up to the first entry that breaks them. */
export type ChainLinks =
  | { ok: true; last: ChainLink }
  | { ok: false; brokenSeq: number; reason: ChainBreakReason; intact: number };

/**
 * The part of `verifyChain` that needs no parsing: each entry follows the one before it, links to
 * its hash and hashes to its own. `intact` counts the entries before the first break.
 */
export function verifyLinks(entries: readonly LinkedEntry[], from: ChainLink): ChainLinks {
  let last = from;
  for (let index = 0; index < entries.length; index += 1) {
    const entry = entries[index]!;
    const reason = linkBreak(entry, last);
    if (reason !== null) {
      const brokenSeq = reason === 'missing-entry' ? last.seq + 1 : entry.seq;
      return { ok: false, brokenSeq, reason, intact: index };
    }
    last = { seq: entry.seq, hash: entry.hash };
  }
  return { ok: true, last };
}

// The chain covers only the payload, so a changed event_id or event_type column would otherwise
// go unnoticed by anyone querying the columns.
// Limitation: recorded_at is neither hashed nor derivable from the payload, so a change to it
// goes undetected.
/** Whether the stored id, type, partition key and time columns are those of the payload. */
export function columnsMatchPayload(entry: ChainEntry): boolean {
  let envelope: unknown;
  try {
    envelope = JSON.parse(entry.payload);
  } catch {
    return false;
  }
  return envelope !== null && typeof envelope === 'object' && columnsMatchEnvelope(entry, envelope);
}

/** The fields of an envelope the stored columns repeat, before anything trusts their types. */
export interface EnvelopeColumns {
  id?: unknown;
  type?: unknown;
  partitionKey?: unknown;
  time?: unknown;
}

/** `columnsMatchPayload` on a payload parsed already. */
export function columnsMatchEnvelope(
  entry: Omit<ChainEntry, 'payload' | 'prevHash' | 'hash'>,
  envelope: EnvelopeColumns,
): boolean {
  return (
    // PostgreSQL returns uuids in lowercase, whatever case the event used.
    (envelope.id === entry.eventId ||
      String(envelope.id).toLowerCase() === entry.eventId.toLowerCase()) &&
    envelope.type === entry.eventType &&
    envelope.partitionKey === entry.partitionKey &&
    sameInstant(envelope.time, entry.occurredAt)
  );
}

// timestamptz keeps microseconds and JavaScript milliseconds, so the two may differ by less than
// 1 ms; the texts are compared first because the events' own times are ISO strings in UTC already.
function sameInstant(time: unknown, occurredAt: string): boolean {
  return time === occurredAt || Math.abs(Date.parse(String(time)) - Date.parse(occurredAt)) < 1;
}
