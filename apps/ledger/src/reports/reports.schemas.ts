import { z } from 'zod';
import {
  AnomalyRule,
  EventTypes,
  Identifier,
  Instant,
  OptOutKind,
  OptOutRefusalReason,
} from '@app/contracts';

const MAX_PERIOD_MS = 366 * 86_400_000;

export const OptOutReportQueryFields = z.object({
  from: Instant.describe('start of the period, inclusive, ISO-8601 UTC'),
  to: Instant.describe('end of the period, exclusive, ISO-8601 UTC'),
  format: z.enum(['json', 'text']).default('json').describe('text: a Markdown summary'),
});

const ReportPeriod = OptOutReportQueryFields.pick({ from: true, to: true });

// A period that does not parse has its own problems named; comparing it would only add noise.
const periodParses = (payload: { value: unknown }) => ReportPeriod.safeParse(payload.value).success;

export const OptOutReportQuery = OptOutReportQueryFields.refine(
  (query) => Date.parse(query.from) < Date.parse(query.to),
  { message: 'must be after from', path: ['to'], when: periodParses },
).refine((query) => Date.parse(query.to) - Date.parse(query.from) <= MAX_PERIOD_MS, {
  message: 'the period may be at most 366 days long',
  path: ['to'],
  when: periodParses,
});
export type OptOutReportQuery = z.infer<typeof OptOutReportQuery>;

const Count = z.number().int().min(0);
const Seq = z.number().int().min(1);

export const OptOutCounts = z.object({
  requested: Count,
  refused: Count,
  activated: Count,
  renewed: Count,
  revoked: Count,
  expired: Count,
  lapsed: Count,
});
export type OptOutCounts = z.infer<typeof OptOutCounts>;

export const OptOutEnd = z.enum(['expired', 'revoked', 'lapsed']);
export type OptOutEnd = z.infer<typeof OptOutEnd>;

export const ReviewOutcome = z.enum(['justified', 'unjustified']);
export type ReviewOutcome = z.infer<typeof ReviewOutcome>;

export const BreakGlassReviewDone = z.object({
  optOutId: z.uuid(),
  subject: Identifier,
  reviewer: Identifier,
  outcome: ReviewOutcome,
  late: z.boolean().describe('done after its deadline'),
  reviewedAt: Instant,
});
export type BreakGlassReviewDone = z.infer<typeof BreakGlassReviewDone>;

export const OptOutLife = z.object({
  optOutId: z.uuid(),
  kind: OptOutKind.nullable(),
  subject: Identifier.nullable(),
  resource: z.string().nullable(),
  role: z.string().nullable(),
  teams: z.array(Identifier),
  requestedAt: Instant.nullable(),
  refusal: z.object({ reason: OptOutRefusalReason, rule: z.string() }).nullable(),
  activatedAt: Instant.nullable(),
  endsAt: Instant.nullable(),
  renewals: Count,
  uses: Count,
  ended: z.object({ how: OptOutEnd, at: Instant }).nullable(),
  review: BreakGlassReviewDone.omit({ optOutId: true, subject: true })
    .nullable()
    .describe('the break-glass review done in the period, the last one if it was done again'),
  anomalies: z.array(AnomalyRule),
  events: z
    .array(z.object({ seq: Seq, at: Instant, type: z.enum(EventTypes) }))
    .describe('every event of it in the period, in ledger order'),
});
export type OptOutLife = z.infer<typeof OptOutLife>;

export const ReviewOverdue = z.object({
  optOutId: z.uuid(),
  subject: Identifier,
  reviewBy: Instant,
  reviewedAt: Instant.nullable().describe(
    'when it was reviewed after all, within the period; null while still open at its end',
  ),
});
export type ReviewOverdue = z.infer<typeof ReviewOverdue>;

const sortedKeys = 'keys in sorted order';

export const OptOutReport = z.object({
  period: ReportPeriod,
  entries: Count.describe('ledger entries whose events happened in the period'),
  totals: OptOutCounts,
  byKind: z.partialRecord(OptOutKind, OptOutCounts).describe(sortedKeys),
  byTeam: z
    .record(Identifier, OptOutCounts)
    .describe(`counted for each group of the requester, as the request stated them; ${sortedKeys}`),
  byResource: z.record(z.string(), OptOutCounts).describe(sortedKeys),
  refusalsByReason: z.partialRecord(OptOutRefusalReason, Count).describe(sortedKeys),
  reviews: z.object({
    done: z
      .array(BreakGlassReviewDone)
      .describe('break-glass reviews done in the period, in ledger order'),
    doneByOutcome: z.record(ReviewOutcome, Count),
    openAtEnd: z
      .array(ReviewOverdue)
      .describe('overdue and still not done at the end of the period'),
    doneLate: z
      .array(BreakGlassReviewDone.omit({ outcome: true, late: true }))
      .describe('done after their deadline, within the period'),
  }),
  anomaliesByRule: z.partialRecord(AnomalyRule, Count).describe(sortedKeys),
  optOuts: z.array(OptOutLife).describe('in the order the period first shows them'),
});
export type OptOutReport = z.infer<typeof OptOutReport>;
export type ReportPeriod = OptOutReport['period'];
