import { z } from 'zod';
import { Identifier, Instant, ResourceName, RoleName } from '@app/contracts';
import { ACCEPTED_DURATION_FORM } from '@app/domain';
import { RequestStatus, RequestViewSchema } from './request-view';

/**
 * What a person sends to request access. The requester is never part of it: it comes from the
 * bearer token. The duration is read by the strict duration parser after this shape check.
 */
export const SubmitAccessRequestBody = z
  .object({
    resource: ResourceName,
    role: RoleName,
    duration: z
      .string({
        error: (issue) =>
          typeof issue.input === 'number'
            ? `a bare number is not read as minutes or milliseconds; ${ACCEPTED_DURATION_FORM}`
            : `must be text; ${ACCEPTED_DURATION_FORM}`,
      })
      .max(40, `is too long; ${ACCEPTED_DURATION_FORM}`)
      .describe('ISO-8601, e.g. PT1H30M, PT90M or P1D; kept exactly as written'),
    justification: z.string().trim().min(1, 'must say why the access is needed').max(2000),
    ticket: Identifier.nullable().optional(),
    startAt: Instant.nullable()
      .optional()
      .describe('when access should start; default: on approval'),
  })
  .strict();
export type SubmitAccessRequestBody = z.infer<typeof SubmitAccessRequestBody>;

export const ListAccessRequestsQuery = z
  .object({
    requester: z
      .literal('me', { error: "only 'me' is supported: the caller's own requests" })
      .default('me'),
    status: RequestStatus.optional(),
  })
  .strict();
export type ListAccessRequestsQuery = z.infer<typeof ListAccessRequestsQuery>;

export const AccessRequestList = z.object({ items: z.array(RequestViewSchema) });

export const IdempotencyKeyHeader = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters')
  .optional();

export const CorrelationIdHeader = Identifier.optional();

export const RequestIdParam = z.uuid({ message: 'must be a request id (a UUID)' });
