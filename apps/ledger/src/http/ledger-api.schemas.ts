import { z } from 'zod';
import {
  EventTypes,
  Identifier,
  Instant,
  OptOutKind,
  ResourceName,
  RoleName,
} from '@app/contracts';

const Seq = z.coerce
  .number()
  .int('must be a whole number')
  .min(0, 'must not be negative')
  .max(Number.MAX_SAFE_INTEGER);
const Limit = (fallback: number) =>
  z.coerce.number().int('must be a whole number').min(1).max(1000).default(fallback);

export const CurrentGrantsQuery = z.object({
  subject: Identifier.optional(),
  resource: ResourceName.optional(),
  afterSeq: Seq.default(0).describe('return grants issued after this ledger seq'),
  limit: Limit(100),
});
export type CurrentGrantsQuery = z.infer<typeof CurrentGrantsQuery>;

export const GrantsAtQuery = z.object({
  resource: ResourceName,
  subject: Identifier.optional(),
  at: Instant.describe('the instant asked about, ISO-8601 UTC'),
});
export type GrantsAtQuery = z.infer<typeof GrantsAtQuery>;

export const AuditTrailQuery = z.object({
  requestId: z.uuid().optional(),
  optOutId: z.uuid().optional().describe("an opt-out's records, by its opt-out id"),
  subject: Identifier.optional(),
  resource: ResourceName.optional(),
  afterSeq: Seq.default(0).describe('return records after this ledger seq'),
  limit: Limit(100),
});
export type AuditTrailQuery = z.infer<typeof AuditTrailQuery>;

export const LedgerEntriesQuery = z.object({
  afterSeq: Seq.default(0).describe('return entries after this seq'),
  limit: Limit(100),
});
export type LedgerEntriesQuery = z.infer<typeof LedgerEntriesQuery>;

const Seqs = z.number().int();
const NextAfterSeq = Seqs.nullable().describe(
  'pass as afterSeq for the next page; null at the end',
);

export const AccessKindView = z
  .enum(['jit', ...OptOutKind.options])
  .describe(
    'jit for a grant of a request; for an opt-out its kind, and its id as grant and request id',
  );

export const CurrentGrantView = z.object({
  grantId: z.uuid(),
  requestId: z.uuid(),
  kind: AccessKindView,
  subject: Identifier,
  resource: ResourceName,
  role: RoleName,
  startsAt: Instant,
  endsAt: Instant,
  approvers: z.array(Identifier),
  automatic: z.boolean(),
  policyId: Identifier,
  issuedSeq: Seqs,
});
export type CurrentGrantView = z.infer<typeof CurrentGrantView>;

export const CurrentGrantsResponse = z.object({
  grants: z.array(CurrentGrantView),
  nextAfterSeq: NextAfterSeq,
});

export const HistoricGrantView = CurrentGrantView.extend({
  endedAt: Instant.nullable().describe(
    'when the grant expired (or the opt-out expired, was revoked or lapsed); null while it has not',
  ),
  endedSeq: Seqs.nullable(),
});
export type HistoricGrantView = z.infer<typeof HistoricGrantView>;

export const GrantsAtResponse = z.object({
  at: Instant,
  resource: ResourceName,
  grants: z.array(HistoricGrantView),
});

export const AuditTrailRecordView = z.object({
  seq: Seqs,
  eventId: z.uuid(),
  eventType: z.enum(EventTypes),
  occurredAt: Instant,
  recordedAt: Instant,
  actor: z.string(),
  subject: z.string().nullable(),
  resource: z.string().nullable(),
  role: z.string().nullable(),
  requestId: z.uuid().nullable(),
  grantId: z.uuid().nullable(),
  optOutId: z.uuid().nullable(),
  summary: z.string(),
});
export type AuditTrailRecordView = z.infer<typeof AuditTrailRecordView>;

export const AuditTrailResponse = z.object({
  records: z.array(AuditTrailRecordView),
  nextAfterSeq: NextAfterSeq,
});

export const LedgerEntryView = z.object({
  seq: Seqs,
  eventId: z.uuid(),
  eventType: z.string(),
  partitionKey: z.string(),
  occurredAt: Instant,
  recordedAt: Instant,
  payload: z.string().describe('the RFC 8785 canonical JSON of the envelope; the hashed bytes'),
  prevHash: z.string(),
  hash: z.string().describe('SHA-256 hex of `${prevHash}\\n${seq}\\n${payload}` in UTF-8'),
});

export const LedgerEntriesResponse = z.object({
  entries: z.array(LedgerEntryView),
  nextAfterSeq: NextAfterSeq,
});

const LedgerSightingView = z
  .object({
    seq: Seqs.optional(),
    eventId: z.string().optional(),
    hash: z.string().optional(),
    prevHash: z.string().optional(),
    keyId: z.string().optional(),
  })
  .describe('the parts of an entry or checkpoint that tell');

export const LedgerVerificationResponse = z.object({
  ok: z.boolean(),
  entries: Seqs.describe('entries verified (before the break, if any)'),
  checkpoints: Seqs.describe('checkpoints verified (before the break, if any)'),
  headSeq: Seqs,
  headHash: z.string(),
  brokenSeq: Seqs.optional().describe('the first seq that is wrong'),
  problem: z
    .enum(['modified', 'deleted', 'inserted', 'reordered', 'checkpoint-mismatch'])
    .optional(),
  reason: z.string().optional().describe('how the problem showed, e.g. hash-mismatch, renumbered'),
  expected: LedgerSightingView.optional(),
  found: LedgerSightingView.optional(),
});

export const RebuildResponse = z.object({
  replayed: Seqs,
  headSeq: Seqs,
});
