import { z } from 'zod';
import { Identifier, Instant, ResourceName, RoleName } from '@app/contracts';
import { AccessKindView } from '../http/ledger-api.schemas';

export const AccessAtQuery = z.object({
  resource: ResourceName,
  at: Instant.describe('the instant asked about, ISO-8601 UTC'),
  subject: Identifier.optional().describe('only this person'),
});
export type AccessAtQuery = z.infer<typeof AccessAtQuery>;

const HeldRange = z.object({
  from: Instant.describe('start of the range, inclusive, ISO-8601 UTC'),
  to: Instant.describe('end of the range, exclusive, ISO-8601 UTC'),
});

// A range that does not parse has its own problems named; comparing it would only add noise.
export const HeldQuery = HeldRange.extend({ subject: Identifier }).refine(
  (query) => Date.parse(query.from) < Date.parse(query.to),
  {
    message: 'must be after from',
    path: ['to'],
    when: (payload) => HeldRange.safeParse(payload.value).success,
  },
);
export type HeldQuery = z.infer<typeof HeldQuery>;

export const LifeParams = z.object({ id: z.uuid() });
export type LifeParams = z.infer<typeof LifeParams>;

const Seq = z.number().int();

export const AccessThroughView = z.object({
  grantId: z.uuid().describe("the grant's id, or the opt-out's"),
  requestId: z.uuid().describe("the request the grant was issued for, or the opt-out's id"),
  kind: AccessKindView,
  startsAt: Instant,
  endsAt: Instant.describe('the scheduled end, moved by renewals'),
  endedAt: Instant.nullable().describe('when it ended (expired, revoked, lapsed); null while open'),
  approvers: z.array(Identifier).describe('who approved it; empty for break-glass and automatic'),
  automatic: z.boolean(),
  policyId: Identifier.describe('the policy that approved the grant, or the opt-out rule'),
  issuedSeq: Seq,
});

export const AccessHolderView = z.object({
  subject: Identifier,
  resource: ResourceName,
  role: RoleName,
  since: Instant.describe('the earliest start among the grants covering the instant'),
  until: Instant.describe('access lasts while any covering grant lasts: the latest of their ends'),
  through: z.array(AccessThroughView).describe('every grant or opt-out covering the instant'),
});

export const AccessAtResponse = z.object({
  resource: ResourceName,
  at: Instant,
  holders: z.array(AccessHolderView),
});

export const HeldResponse = z.object({
  subject: Identifier,
  from: Instant,
  to: Instant,
  held: z.array(
    z.object({
      resource: ResourceName,
      role: RoleName,
      periods: z
        .array(z.object({ from: Instant, until: Instant }))
        .describe('overlapping grants merged, clipped to [from, to)'),
      through: z.array(AccessThroughView),
    }),
  ),
});

export const LifeResponse = z.object({
  kind: z.enum(['request', 'grant', 'opt-out']),
  id: z.uuid(),
  subject: Identifier.nullable(),
  resource: ResourceName.nullable(),
  role: RoleName.nullable(),
  steps: z.array(
    z.object({
      seq: Seq,
      eventId: z.uuid(),
      eventType: z.string(),
      occurredAt: Instant,
      recordedAt: Instant,
      actor: z.string().describe('the person who acted, or the service that acted on its own'),
      reason: z
        .string()
        .nullable()
        .describe('the why the event states: justification, comment, refusal or revocation reason'),
      summary: z.string(),
    }),
  ),
});
