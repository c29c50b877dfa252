import { z } from 'zod';
import { Instant, NoticeSeverity } from '@app/contracts';
import { DeliveryView } from '../deliveries/delivery.schemas';
import { NoticeRecord } from './notice.repository';

export const NoticeQuery = z
  .object({
    eventId: z.uuid('must be an event id (a UUID)').describe('the event the notices are about'),
  })
  .strict();
export type NoticeQuery = z.infer<typeof NoticeQuery>;

export const NoticeIdParams = z.object({ id: z.uuid('must be a notice id (a UUID)') });
export type NoticeIdParams = z.infer<typeof NoticeIdParams>;

export const NoticeStates = [
  'informational',
  'awaiting-acknowledgement',
  'acknowledged',
  'escalated',
] as const;

export const NoticeView = z.object({
  noticeId: z.uuid(),
  eventId: z.uuid(),
  eventType: z.string(),
  severity: NoticeSeverity,
  level: z.number().int().describe('0 for the security leads; higher when escalated'),
  recipient: z.string(),
  subject: z.string().describe('the person the opt-out or anomaly is about, when known'),
  summary: z.string(),
  state: z.enum(NoticeStates),
  createdAt: Instant,
  acknowledgeBy: Instant.nullable().describe(
    'when it escalates unless acknowledged; null for info',
  ),
  acknowledgedAt: Instant.nullable(),
  acknowledgedBy: z.string().nullable(),
  deliveries: z.array(DeliveryView),
});
export type NoticeView = z.infer<typeof NoticeView>;

export const NoticeListView = z.object({
  eventId: z.uuid(),
  acknowledged: z
    .object({ noticeId: z.uuid(), by: z.string(), at: Instant })
    .nullable()
    .describe('the first acknowledgement of any of the event’s notices'),
  escalations: z.array(
    z.object({
      fromLevel: z.number().int(),
      toLevel: z.number().int(),
      reason: z.enum(['unacknowledged', 'delivery-failed']),
      recipients: z.array(z.string()),
      escalatedAt: Instant,
    }),
  ),
  notices: z.array(NoticeView),
});
export type NoticeListView = z.infer<typeof NoticeListView>;

export function toNoticeView(
  notice: NoticeRecord,
  deliveries: DeliveryView[],
  eventAcknowledged: boolean,
  escalatedFromItsLevel: boolean,
): NoticeView {
  return {
    noticeId: notice.id,
    eventId: notice.eventId,
    eventType: notice.eventType,
    severity: notice.severity,
    level: notice.level,
    recipient: notice.recipientId,
    subject: notice.personId ?? '',
    summary: notice.content.headline,
    state: stateOf(notice, eventAcknowledged, escalatedFromItsLevel),
    createdAt: notice.createdAt.toISOString(),
    acknowledgeBy: notice.acknowledgeBy?.toISOString() ?? null,
    acknowledgedAt: notice.acknowledgedAt?.toISOString() ?? null,
    acknowledgedBy: notice.acknowledgedBy,
    deliveries,
  };
}

function stateOf(
  notice: NoticeRecord,
  eventAcknowledged: boolean,
  escalatedFromItsLevel: boolean,
): NoticeView['state'] {
  if (notice.acknowledgeBy === null) return 'informational';
  if (eventAcknowledged) return 'acknowledged';
  if (escalatedFromItsLevel) return 'escalated';
  return 'awaiting-acknowledgement';
}
