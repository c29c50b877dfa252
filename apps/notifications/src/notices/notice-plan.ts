import { NewDelivery } from '../deliveries/delivery.repository';
import { NoticeContent } from './notice.builder';
import {
  chatMessage,
  emailMessage,
  NoticeAddress,
  noticeWebhookBody,
  RenderedNotice,
  renderNotice,
} from './notice-message';
import { NewNotice } from './notice.repository';
import { NoticeChannel, NoticeRecipient, NoticeRouting } from './notice-routing';

export interface NoticePlan {
  notices: NewNotice[];
  deliveries: NewDelivery[];
}

export interface PlanRequest {
  content: NoticeContent;
  correlationId: string;
  recipients: readonly NoticeRecipient[];
  level: number;
  escalation: NoticeAddress['escalation'];
  routing: NoticeRouting;
  mailFrom: string;
  now: Date;
  newId: () => string;
}

/**
 * One notice per recipient, and one delivery per channel its severity routes to that the
 * recipient has an address for. Every body is rendered here, once, so each attempt sends the
 * same bytes.
 */
export function planNotices(request: PlanRequest): NoticePlan {
  const { content, routing, now } = request;
  const route = routing.severities[content.severity];
  const acknowledgeBy =
    route.acknowledgeWithinMs === null ? null : new Date(now.getTime() + route.acknowledgeWithinMs);

  const plan: NoticePlan = { notices: [], deliveries: [] };
  for (const recipient of request.recipients) {
    const address: NoticeAddress = {
      noticeId: request.newId(),
      level: request.level,
      recipient,
      escalation: request.escalation,
    };
    plan.notices.push({
      id: address.noticeId,
      eventId: content.eventId,
      eventType: content.eventType,
      partitionKey: content.partitionKey,
      correlationId: request.correlationId,
      severity: content.severity,
      level: request.level,
      recipientId: recipient.id,
      personId: content.personId,
      content,
      createdAt: now,
      acknowledgeBy,
    });

    const rendered = renderNotice(content, address, routing.baseUrls);
    for (const channel of route.channels) {
      const delivery = deliveryOf(channel, request, address, rendered);
      if (delivery) plan.deliveries.push(delivery);
    }
  }
  return plan;
}

function deliveryOf(
  channel: NoticeChannel,
  request: PlanRequest,
  address: NoticeAddress,
  rendered: RenderedNotice,
): NewDelivery | null {
  const { recipient } = address;
  const id = request.newId();
  const base = {
    id,
    eventId: request.content.eventId,
    eventType: request.content.eventType,
    endpointName: `${recipient.id}:${channel}`,
    channel,
    noticeId: address.noticeId,
    createdAt: request.now,
  };
  switch (channel) {
    case 'chat':
      if (!recipient.chatWebhookUrl) return null;
      return { ...base, url: recipient.chatWebhookUrl, body: chatMessage(rendered) };
    case 'email':
      if (!recipient.email) return null;
      return {
        ...base,
        url: `mailto:${recipient.email}`,
        body: emailMessage(rendered, request.mailFrom, recipient.email),
      };
    case 'webhook':
      if (!recipient.webhookUrl) return null;
      return {
        ...base,
        url: recipient.webhookUrl,
        body: noticeWebhookBody(id, request.content, address, rendered),
      };
    default:
      return assertNever(channel);
  }
}

function assertNever(value: never): never {
  throw new Error(`unhandled channel: ${JSON.stringify(value)}`);
}
