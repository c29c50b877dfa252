import { z } from 'zod';
import { Identifier, OptOutKind, ResourceName, RoleName } from '@app/contracts';
import { ACCEPTED_DURATION_FORM } from '@app/domain';

const Duration = z
  .string({
    error: (issue) =>
      typeof issue.input === 'number'
        ? `a bare number is not read as minutes or milliseconds; ${ACCEPTED_DURATION_FORM}`
        : `must be text; ${ACCEPTED_DURATION_FORM}`,
  })
  .max(40, `is too long; ${ACCEPTED_DURATION_FORM}`)
  .describe('ISO-8601, e.g. PT1H30M, PT90M or P1D; never shortened: over the maximum is refused');

const Justification = z.string().trim().min(1, 'must say why the opt-out is needed').max(2000);

const optOutAccess = { resource: ResourceName, role: RoleName, duration: Duration };

/** Who asks comes from the bearer token, never from the body. */
export const BreakGlassBody = z.strictObject({
  ...optOutAccess,
  justification: Justification,
  // Left to the policy rather than refused here, so that a break-glass without one is recorded.
  incident: Identifier.nullable()
    .optional()
    .describe('the incident this answers, e.g. INC-9001; always required by policy'),
});
export type BreakGlassBody = z.infer<typeof BreakGlassBody>;

export const StandingExceptionBody = z.strictObject({
  ...optOutAccess,
  justification: Justification,
  ticket: Identifier.nullable()
    .optional()
    .describe('the change or ticket it is for; required when its rule says requireTicket'),
});
export type StandingExceptionBody = z.infer<typeof StandingExceptionBody>;

export const LegacyExemptionBody = z.strictObject({
  ...optOutAccess,
  justification: Justification,
  owner: Identifier.nullable()
    .optional()
    .describe('the person answerable for it, who recertifies it; always required by policy'),
  compensatingControls: z
    .array(z.string().trim().min(1).max(500))
    .max(20)
    .default([])
    .describe('at least one is required by policy'),
});
export type LegacyExemptionBody = z.infer<typeof LegacyExemptionBody>;

export const OptOutIdParams = z.object({ id: z.uuid({ message: 'must be an opt-out id (uuid)' }) });
export type OptOutIdParams = z.infer<typeof OptOutIdParams>;

export const SubjectParams = z.object({ subject: Identifier });
export type SubjectParams = z.infer<typeof SubjectParams>;

export const OptOutDecisionBody = z.strictObject({ comment: z.string().max(2000).optional() });
export type OptOutDecisionBody = z.infer<typeof OptOutDecisionBody>;

export const RenewBody = z.strictObject({
  duration: Duration,
  attestation: z
    .string()
    .trim()
    .min(1, 'must attest that the opt-out is still needed and its conditions still hold')
    .max(2000),
});
export type RenewBody = z.infer<typeof RenewBody>;

export const UseBody = z.strictObject({});

export const RevokeBody = z.strictObject({
  reason: z.string().trim().min(1, 'must say why it is revoked').max(2000),
});
export type RevokeBody = z.infer<typeof RevokeBody>;

export const ReviewBody = z.strictObject({
  outcome: z.enum(['justified', 'unjustified']),
  notes: z.string().trim().min(1, 'must record what the review found').max(4000),
});
export type ReviewBody = z.infer<typeof ReviewBody>;

export const OptOutListStatus = z.enum(['active', 'pending', 'ended', 'refused']);
export type OptOutListStatus = z.infer<typeof OptOutListStatus>;

export const ListOptOutsQuery = z.strictObject({
  status: OptOutListStatus.optional(),
  kind: OptOutKind.optional(),
  subject: Identifier.optional(),
});
export type ListOptOutsQuery = z.infer<typeof ListOptOutsQuery>;

export const IdempotencyKeyHeader = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters')
  .optional();
