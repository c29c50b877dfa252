import { z } from 'zod';
import { Instant } from '@app/contracts';
import { DEADLINE_KINDS, DeadlineCounts, DeadlineKind } from './schedule.repository';

const count = z.number().int().min(0);

export const DeadlineKindSummary = z.object({
  /** Waiting to fire, including the overdue ones. */
  scheduled: count,
  /** Scheduled and already due: the scheduler has not reached them yet. */
  overdue: count,
  fired: count,
  cancelled: count,
  nextDueAt: Instant.nullable(),
});
export type DeadlineKindSummary = z.infer<typeof DeadlineKindSummary>;

export const ScheduleSummary = z.object({
  asOf: Instant,
  nextDueAt: Instant.nullable(),
  kinds: z.object({
    'grant-end': DeadlineKindSummary,
    'request-decision': DeadlineKindSummary,
    'unused-lapse': DeadlineKindSummary,
    review: DeadlineKindSummary,
    recertification: DeadlineKindSummary,
  }),
});
export type ScheduleSummary = z.infer<typeof ScheduleSummary>;

/** Every kind appears, with zeros when it has no deadline yet. */
export function summarizeSchedule(counts: readonly DeadlineCounts[], asOf: Date): ScheduleSummary {
  const kinds = Object.fromEntries(
    DEADLINE_KINDS.map((kind) => [kind, summarizeKind(counts.find((row) => row.kind === kind))]),
  ) as Record<DeadlineKind, DeadlineKindSummary>;
  const nextDue = counts
    .map((row) => row.nextDueAt)
    .filter((instant): instant is Date => instant !== null)
    .sort((a, b) => a.getTime() - b.getTime())[0];

  return { asOf: asOf.toISOString(), nextDueAt: nextDue?.toISOString() ?? null, kinds };
}

function summarizeKind(row: DeadlineCounts | undefined): DeadlineKindSummary {
  return {
    scheduled: row?.scheduled ?? 0,
    overdue: row?.overdue ?? 0,
    fired: row?.fired ?? 0,
    cancelled: row?.cancelled ?? 0,
    nextDueAt: row?.nextDueAt?.toISOString() ?? null,
  };
}
