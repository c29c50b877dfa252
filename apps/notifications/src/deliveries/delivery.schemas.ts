import { z } from 'zod';
import { Instant } from '@app/contracts';
import { DeliveryChannels, DeliveryRecord, DeliveryStatuses } from './delivery.repository';

export const DeliveryQuery = z
  .object({
    eventId: z.uuid('must be an event id (a UUID)').optional(),
    status: z
      .enum(DeliveryStatuses, { message: 'must be pending, delivered or failed' })
      .optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
  })
  .strict();
export type DeliveryQuery = z.infer<typeof DeliveryQuery>;

export const DeliveryAttemptView = z.object({
  attempt: z.number().int(),
  attemptedAt: Instant,
  statusCode: z.number().int().nullable().describe('null when no answer came'),
  error: z.string().nullable(),
  durationMs: z.number().int(),
});

export const DeliveryView = z.object({
  deliveryId: z.uuid(),
  eventId: z.uuid(),
  eventType: z.string(),
  endpoint: z
    .string()
    .describe('the configured endpoint name, or <recipient>:<channel> for an opt-out notice'),
  channel: z.enum(DeliveryChannels),
  noticeId: z.uuid().nullable().describe('the opt-out notice delivered; null for a JIT webhook'),
  status: z.enum(DeliveryStatuses),
  attemptCount: z.number().int(),
  nextAttemptAt: Instant.nullable().describe('when a pending delivery is tried next'),
  lastError: z.string().nullable(),
  lastStatusCode: z.number().int().nullable(),
  createdAt: Instant,
  deliveredAt: Instant.nullable(),
  failedAt: Instant.nullable(),
  attempts: z.array(DeliveryAttemptView),
});
export type DeliveryView = z.infer<typeof DeliveryView>;

export const DeliveryListView = z.object({ deliveries: z.array(DeliveryView) });
export type DeliveryListView = z.infer<typeof DeliveryListView>;

// The URL is left out: webhook URLs often embed a credential in their path or query.
export function toDeliveryView(record: DeliveryRecord): DeliveryView {
  return {
    deliveryId: record.id,
    eventId: record.eventId,
    eventType: record.eventType,
    endpoint: record.endpointName,
    channel: record.channel,
    noticeId: record.noticeId,
    status: record.status,
    attemptCount: record.attempts,
    nextAttemptAt: record.nextAttemptAt?.toISOString() ?? null,
    lastError: record.lastError,
    lastStatusCode: record.lastStatusCode,
    createdAt: record.createdAt.toISOString(),
    deliveredAt: record.deliveredAt?.toISOString() ?? null,
    failedAt: record.failedAt?.toISOString() ?? null,
    attempts: record.attemptLog.map((attempt) => ({
      attempt: attempt.attempt,
      attemptedAt: attempt.attemptedAt.toISOString(),
      statusCode: attempt.statusCode,
      error: attempt.error,
      durationMs: attempt.durationMs,
    })),
  };
}
