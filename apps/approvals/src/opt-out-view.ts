import { z } from 'zod';
import { Instant, OptOutKind, OptOutRefusalReason, Principal } from '@app/contracts';
import { formatDuration, OptOutState, renewalsAllowed } from '@app/domain';

const Approvals = z.array(
  z.object({ approver: z.string(), comment: z.string().nullable(), at: Instant }),
);

/** An opt-out as the HTTP API shows it: its whole life so far. */
export const OptOutView = z.object({
  optOutId: z.uuid(),
  kind: OptOutKind,
  status: z.enum(['refused', 'pending', 'active', 'denied', 'revoked', 'lapsed', 'expired']),
  subject: z.string(),
  requester: Principal,
  resource: z.string(),
  role: z.string(),
  ruleId: z.string().nullable(),
  requestedDuration: z.string(),
  maximumDuration: z.string().nullable(),
  justification: z.string(),
  incident: z.string().nullable(),
  ticket: z.string().nullable(),
  owner: z.string().nullable(),
  compensatingControls: z.array(z.string()),
  requestedAt: Instant,
  refusal: z
    .object({
      reason: OptOutRefusalReason,
      rule: z.string(),
      message: z.string(),
      maximumDuration: z.string().nullable(),
    })
    .nullable(),
  approval: z
    .object({ approverGroups: z.array(z.string()), approvalsRequired: z.number() })
    .nullable(),
  approvals: Approvals,
  denial: z
    .object({ deniedBy: z.string(), comment: z.string().nullable(), at: Instant })
    .nullable(),
  activatedAt: Instant.nullable(),
  window: z.object({ startsAt: Instant, endsAt: Instant }).nullable(),
  reviewBy: Instant.nullable(),
  review: z.object({
    status: z.enum(['none', 'due', 'overdue', 'done']),
    reviewer: z.string().nullable(),
    outcome: z.enum(['justified', 'unjustified']).nullable(),
    notes: z.string().nullable(),
    late: z.boolean().nullable(),
    reviewedAt: Instant.nullable(),
    overdueAt: Instant.nullable(),
  }),
  lapseAfterUnused: z.string().nullable(),
  uses: z.number().int(),
  lastUsedAt: Instant.nullable(),
  recertifyBy: Instant.nullable(),
  /** Renewals its rule allows in all; null when never renewable: break-glass, or refused. */
  maxRenewals: z.number().int().nullable(),
  renewals: z.array(
    z.object({
      renewedBy: z.string(),
      attestation: z.string(),
      previousEndsAt: Instant,
      endsAt: Instant,
      duration: z.string(),
      renewedAt: Instant,
    }),
  ),
  ended: z
    .object({
      reason: z.enum(['revoked', 'lapsed', 'expired']),
      by: z.string().nullable(),
      at: Instant,
    })
    .nullable(),
});
export type OptOutView = z.infer<typeof OptOutView>;

export const OptOutList = z.object({ items: z.array(OptOutView) });

export const BreakGlassEligibilityView = z.object({
  subject: z.string(),
  suspended: z.boolean(),
  suspendedAt: Instant.nullable(),
  overdueReviews: z.array(
    z.object({
      optOutId: z.uuid(),
      resource: z.string(),
      role: z.string(),
      incident: z.string().nullable(),
      reviewBy: Instant,
    }),
  ),
});
export type BreakGlassEligibilityView = z.infer<typeof BreakGlassEligibilityView>;

export function toOptOutView(state: OptOutState): OptOutView {
  const {
    terms,
    correlationId: _correlationId,
    recertificationDueAt: _recertificationDueAt,
    startsAt,
    endsAt,
    ...shown
  } = state;
  return {
    ...shown,
    subject: state.requester.id,
    maximumDuration: terms === null ? null : formatDuration(terms.maximumDurationMs),
    lapseAfterUnused:
      terms?.lapseAfterUnusedMs == null ? null : formatDuration(terms.lapseAfterUnusedMs),
    window: startsAt === null || endsAt === null ? null : { startsAt, endsAt },
    maxRenewals: renewalsAllowed(state),
  };
}
