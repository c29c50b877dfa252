import { KeyObject } from 'node:crypto';
import canonicalize from 'canonicalize';
import { z } from 'zod';
import { LedgerCheckpoint, verifyCheckpointSignature } from '../chain/checkpoint-signature';
import { entryHash, GENESIS_HASH } from '../chain/hash-chain';
import { toAuditRecord } from './audit-record';

export type AuditExportProblemKind =
  /** A line that is not JSON, or not an entry or checkpoint record. */
  | 'unreadable-record'
  /** The entry's hash is not the hash of its prevHash, seq and payload: its bytes changed. */
  | 'hash-mismatch'
  /** A field a SIEM indexes (eventType, `event.*`, `user.*`, `jit.*`, …) disagrees with the payload. */
  | 'fields-mismatch'
  /** The entry links to a hash other than the one of the entry before it. */
  | 'prev-hash-mismatch'
  /** A seq between the first and the last is missing. */
  | 'missing-entry'
  /** The same seq twice with different hashes: the topic is at least once, not many-valued. */
  | 'conflicting-duplicate'
  /** A checkpoint whose signature fails, whose key is unknown, or whose algorithm is not Ed25519. */
  | 'checkpoint-bad-signature'
  | 'checkpoint-unknown-key'
  | 'checkpoint-unsupported-algorithm'
  /** A checkpoint names a hash other than the entry's at its seq. */
  | 'checkpoint-mismatch';

export interface AuditExportProblem {
  problem: AuditExportProblemKind;
  /** The seq the problem is at; null for a line that could not be read as a record. */
  seq: number | null;
  /** 1-based line of the record in the export. */
  line: number;
  message: string;
  expected?: string;
  found?: string;
}

export interface AuditExportSummary {
  /** Distinct entries, from `firstSeq` to `lastSeq`. */
  entries: number;
  firstSeq: number | null;
  lastSeq: number | null;
  /** The hash the first entry links to: genesis, or the entry before the export. */
  startsFrom: string | null;
  /** Entry records marked replay (republished by a backfill), duplicates included. */
  replayed: number;
  /** Records seen again with the same seq and hash, and left out. */
  duplicates: number;
  /** Entry records without recordType, from before the ECS mapping: chain-checked only. */
  legacy: number;
  /** Distinct checkpoints, and those whose entry is before the export, so not compared. */
  checkpoints: number;
  checkpointsBeforeExport: number;
  /** False when no public keys were given: checkpoints were compared but not signature-checked. */
  signaturesChecked: boolean;
}

export type AuditExportVerification =
  | { ok: true; summary: AuditExportSummary }
  | {
      ok: false;
      /** The problem at the lowest seq (an unreadable line first). */
      problem: AuditExportProblem;
      problems: AuditExportProblem[];
      summary: AuditExportSummary;
    };

export interface AuditExportOptions {
  /** Keys that may have signed checkpoints; null to compare checkpoints without their signatures. */
  publicKeys: readonly KeyObject[] | null;
}

const Hash = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits');
const Seq = z.number().int().min(1);

const EntryRecordShape = z.looseObject({
  recordType: z.literal('entry').optional(),
  replay: z.boolean().optional(),
  seq: Seq,
  hash: Hash,
  prevHash: Hash,
  eventId: z.string(),
  eventType: z.string(),
  occurredAt: z.string(),
  recordedAt: z.string(),
  partitionKey: z.string(),
  payload: z.string(),
});
type EntryRecordShape = z.infer<typeof EntryRecordShape>;

const CheckpointRecordShape = z.object({
  recordType: z.literal('checkpoint'),
  replay: z.boolean(),
  seq: Seq,
  hash: Hash,
  signedAt: z.string(),
  keyId: z.string(),
  algorithm: z.string(),
  signature: z.string(),
});
type CheckpointRecordShape = z.infer<typeof CheckpointRecordShape>;

interface Located<T> {
  line: number;
  record: T;
}

/**
 * Checks an export of the audit topic as a SIEM holds it: every entry's hash, the fields derived
 * from its payload, the links and contiguity of the seqs from wherever the export starts, and every
 * checkpoint's signature and agreement with the entry at its seq. Records may arrive out of seq
 * order (a backfill interleaves with live publication) and more than once (the topic is at least
 * once); a duplicate with the same hash is left out.
 */
// Limitation: the whole export is held in memory, about twice its size on disk.
export function verifyAuditExport(
  lines: Iterable<string>,
  options: AuditExportOptions,
): AuditExportVerification {
  const problems: AuditExportProblem[] = [];
  const entries = new Map<number, Located<EntryRecordShape>>();
  const checkpoints = new Map<string, Located<CheckpointRecordShape>>();
  const counts = { replayed: 0, duplicates: 0, legacy: 0 };

  let lineNumber = 0;
  for (const text of lines) {
    lineNumber += 1;
    if (text.trim() === '') continue;
    const read = readRecord(text, lineNumber);
    if ('problem' in read) {
      problems.push(read);
    } else if (read.kind === 'entry') {
      collectEntry({ line: lineNumber, record: read.record }, entries, problems, counts);
    } else {
      const key = `${read.record.seq}:${read.record.keyId}:${read.record.signature}`;
      if (checkpoints.has(key)) counts.duplicates += 1;
      else checkpoints.set(key, { line: lineNumber, record: read.record });
    }
  }

  const ordered = [...entries.values()].sort((a, b) => a.record.seq - b.record.seq);
  problems.push(...linkProblems(ordered));
  const checked = checkpointProblems([...checkpoints.values()], entries, ordered, options);
  problems.push(...checked.problems);

  const first = ordered[0]?.record;
  const summary: AuditExportSummary = {
    entries: ordered.length,
    firstSeq: first?.seq ?? null,
    lastSeq: ordered[ordered.length - 1]?.record.seq ?? null,
    startsFrom: first?.prevHash ?? null,
    ...counts,
    checkpoints: checkpoints.size,
    checkpointsBeforeExport: checked.beforeExport,
    signaturesChecked: options.publicKeys !== null,
  };
  if (problems.length === 0) return { ok: true, summary };
  const sorted = [...problems].sort(byPosition);
  return { ok: false, problem: sorted[0]!, problems: sorted, summary };
}

type ReadRecord =
  | { kind: 'entry'; record: EntryRecordShape }
  | { kind: 'checkpoint'; record: CheckpointRecordShape }
  | AuditExportProblem;

function readRecord(text: string, line: number): ReadRecord {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return unreadable(line, 'not JSON');
  }
  const recordType = (json as { recordType?: unknown } | null)?.recordType;
  if (recordType === 'checkpoint') {
    const checkpoint = CheckpointRecordShape.safeParse(json);
    if (checkpoint.success) return { kind: 'checkpoint', record: checkpoint.data };
    return unreadable(line, `not a checkpoint record: ${firstIssue(checkpoint.error)}`);
  }
  if (recordType !== undefined && recordType !== 'entry') {
    return unreadable(line, `unknown recordType ${JSON.stringify(recordType)}`);
  }
  const entry = EntryRecordShape.safeParse(json);
  if (entry.success) return { kind: 'entry', record: entry.data };
  return unreadable(line, `not an entry record: ${firstIssue(entry.error)}`);
}

function unreadable(line: number, message: string): AuditExportProblem {
  return { problem: 'unreadable-record', seq: null, line, message: `line ${line} is ${message}` };
}

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join('.') || '(record)'} ${issue.message}` : 'invalid';
}

function collectEntry(
  located: Located<EntryRecordShape>,
  entries: Map<number, Located<EntryRecordShape>>,
  problems: AuditExportProblem[],
  counts: { replayed: number; duplicates: number; legacy: number },
): void {
  const { record } = located;
  if (record.replay === true) counts.replayed += 1;
  if (record.recordType === undefined) counts.legacy += 1;
  const seen = entries.get(record.seq);
  // Pushed before the record's own problems, so that at one seq and line the conflict comes first.
  if (seen && seen.record.hash !== record.hash) problems.push(conflictingDuplicate(located, seen));
  const own = ownProblem(located);
  if (own) problems.push(own);

  if (!seen) entries.set(record.seq, located);
  else if (seen.record.hash === record.hash) counts.duplicates += 1;
}

function conflictingDuplicate(
  { line, record }: Located<EntryRecordShape>,
  seen: Located<EntryRecordShape>,
): AuditExportProblem {
  return {
    problem: 'conflicting-duplicate',
    seq: record.seq,
    line,
    message: `seq ${record.seq} appears with two hashes (first on line ${seen.line})`,
    expected: seen.record.hash,
    found: record.hash,
  };
}

/** What is wrong with one entry record on its own: its hash, or its fields against its payload. */
function ownProblem({ line, record }: Located<EntryRecordShape>): AuditExportProblem | null {
  const recomputed = entryHash(record.prevHash, record.seq, record.payload);
  if (recomputed !== record.hash) {
    return {
      problem: 'hash-mismatch',
      seq: record.seq,
      line,
      message: `entry ${record.seq}: its hash is not the hash of its prevHash, seq and payload`,
      expected: recomputed,
      found: record.hash,
    };
  }
  const field = fieldDisagreeingWithPayload(record);
  if (field === null) return null;
  return {
    problem: 'fields-mismatch',
    seq: record.seq,
    line,
    message: `entry ${record.seq}: ${field.path} disagrees with its payload`,
    expected: field.expected,
    found: field.found,
  };
}

interface FieldDifference {
  path: string;
  expected: string;
  found: string;
}

function fieldDisagreeingWithPayload(record: EntryRecordShape): FieldDifference | null {
  let envelope: { id?: unknown; type?: unknown; partitionKey?: unknown; time?: unknown };
  try {
    envelope = JSON.parse(record.payload) as typeof envelope;
  } catch {
    return { path: 'payload', expected: 'an event envelope in JSON', found: record.payload };
  }
  const stated = {
    eventId: String(envelope.id).toLowerCase(),
    eventType: envelope.type,
    partitionKey: envelope.partitionKey,
  };
  for (const [path, expected] of Object.entries(stated)) {
    const found = path === 'eventId' ? record.eventId.toLowerCase() : record[path];
    if (found !== expected) return { path, expected: String(expected), found: String(found) };
  }
  // The database keeps microseconds and JavaScript milliseconds, so the two may differ below 1 ms.
  if (!(Math.abs(Date.parse(String(envelope.time)) - Date.parse(record.occurredAt)) < 1)) {
    return { path: 'occurredAt', expected: String(envelope.time), found: record.occurredAt };
  }
  // Records from before the ECS mapping carry no derived fields to compare.
  if (record.recordType === undefined) return null;
  return derivedFieldDifference(record);
}

function derivedFieldDifference(record: EntryRecordShape): FieldDifference | null {
  let expected: unknown;
  try {
    expected = toAuditRecord(record, { replay: record.replay ?? false });
  } catch (error) {
    return {
      path: 'payload',
      expected: 'an event envelope of a known type',
      found: (error as Error).message,
    };
  }
  return firstDifference(JSON.parse(JSON.stringify(expected)), record, '');
}

/** The first path at which `found` differs from `expected`, walking keys in sorted order. */
export function firstDifference(
  expected: unknown,
  found: unknown,
  path: string,
): FieldDifference | null {
  if (isPlainObject(expected) && isPlainObject(found)) {
    const keys = [...new Set([...Object.keys(expected), ...Object.keys(found)])].sort();
    for (const key of keys) {
      const difference = firstDifference(expected[key], found[key], path ? `${path}.${key}` : key);
      if (difference) return difference;
    }
    return null;
  }
  if (Array.isArray(expected) && Array.isArray(found) && expected.length === found.length) {
    for (const [index, item] of expected.entries()) {
      const difference = firstDifference(item, found[index], `${path}[${index}]`);
      if (difference) return difference;
    }
    return null;
  }
  const expectedText = canonicalize(expected) ?? 'nothing';
  const foundText = canonicalize(found) ?? 'nothing';
  return expectedText === foundText
    ? null
    : { path: path || '(record)', expected: expectedText, found: foundText };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function linkProblems(ordered: readonly Located<EntryRecordShape>[]): AuditExportProblem[] {
  const problems: AuditExportProblem[] = [];
  const first = ordered[0];
  if (first && first.record.seq === 1 && first.record.prevHash !== GENESIS_HASH) {
    problems.push({
      problem: 'prev-hash-mismatch',
      seq: 1,
      line: first.line,
      message: 'entry 1 does not link to the genesis hash',
      expected: GENESIS_HASH,
      found: first.record.prevHash,
    });
  }
  for (let index = 1; index < ordered.length; index += 1) {
    const previous = ordered[index - 1]!.record;
    const { line, record } = ordered[index]!;
    if (record.seq !== previous.seq + 1) {
      problems.push({
        problem: 'missing-entry',
        seq: previous.seq + 1,
        line,
        message: `entries ${previous.seq + 1} to ${record.seq - 1} are missing`,
        expected: String(previous.seq + 1),
        found: String(record.seq),
      });
    } else if (record.prevHash !== previous.hash) {
      problems.push({
        problem: 'prev-hash-mismatch',
        seq: record.seq,
        line,
        message: `entry ${record.seq} does not link to entry ${previous.seq}`,
        expected: previous.hash,
        found: record.prevHash,
      });
    }
  }
  return problems;
}

function checkpointProblems(
  checkpoints: readonly Located<CheckpointRecordShape>[],
  entries: ReadonlyMap<number, Located<EntryRecordShape>>,
  ordered: readonly Located<EntryRecordShape>[],
  options: AuditExportOptions,
): { problems: AuditExportProblem[]; beforeExport: number } {
  const firstSeq = ordered[0]?.record.seq ?? Number.POSITIVE_INFINITY;
  const lastSeq = ordered[ordered.length - 1]?.record.seq ?? 0;
  const problems: AuditExportProblem[] = [];
  let beforeExport = 0;
  for (const { line, record } of checkpoints) {
    const signature = options.publicKeys ? signatureProblem(record, options.publicKeys) : null;
    if (signature) problems.push({ ...signature, line });

    if (record.seq < firstSeq) {
      beforeExport += 1;
      continue;
    }
    if (record.seq > lastSeq) {
      problems.push({
        problem: 'missing-entry',
        seq: lastSeq + 1,
        line,
        message: `a checkpoint names entry ${record.seq}, after the last entry ${lastSeq}`,
        expected: String(record.seq),
        found: String(lastSeq),
      });
      continue;
    }
    const entry = entries.get(record.seq);
    // A seq inside the export without an entry is already reported as missing.
    if (entry && entry.record.hash !== record.hash) {
      problems.push({
        problem: 'checkpoint-mismatch',
        seq: record.seq,
        line,
        message: `the checkpoint of entry ${record.seq} names another hash than the entry's`,
        expected: record.hash,
        found: entry.record.hash,
      });
    }
  }
  return { problems, beforeExport };
}

function signatureProblem(
  record: CheckpointRecordShape,
  publicKeys: readonly KeyObject[],
): Omit<AuditExportProblem, 'line'> | null {
  const check = verifyCheckpointSignature(record as LedgerCheckpoint, publicKeys);
  if (check.ok) return null;
  const messages = {
    'unknown-key': `was signed by key ${record.keyId}, which is not among the public keys`,
    'bad-signature': 'has a signature that does not verify',
    'unsupported-algorithm': `uses ${record.algorithm}, not Ed25519`,
  } as const;
  return {
    problem: `checkpoint-${check.reason}`,
    seq: record.seq,
    message: `the checkpoint of entry ${record.seq} ${messages[check.reason]}`,
    found: record.keyId,
  };
}

function byPosition(a: AuditExportProblem, b: AuditExportProblem): number {
  const seqA = a.seq ?? 0;
  const seqB = b.seq ?? 0;
  return seqA - seqB || a.line - b.line;
}
