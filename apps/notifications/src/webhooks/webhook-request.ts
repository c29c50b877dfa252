import { DomainEvent } from '@app/contracts';
import { Notification, NotificationContext } from '../notifications/notification.builder';
import { signWebhook } from '../signing/webhook-signature';

/** The JSON document every webhook receives. */
export interface WebhookBody {
  deliveryId: string;
  eventId: string;
  eventType: string;
  occurredAt: string;
  summary: string;
  context: NotificationContext;
  /** The event as it travelled on the access topic. */
  event: DomainEvent;
}

export interface OutgoingWebhook {
  url: string;
  body: string;
  headers: Record<string, string>;
}

/**
 * The body is rendered once, when the delivery is created, and stored: every attempt sends and
 * signs the very same bytes, so a receiver can deduplicate and verify whatever attempt reaches it.
 */
export function renderWebhookBody(
  deliveryId: string,
  event: DomainEvent,
  notification: Notification,
): string {
  const body: WebhookBody = {
    deliveryId,
    eventId: event.id,
    eventType: event.type,
    occurredAt: event.time,
    summary: notification.summary,
    context: notification.context,
    event,
  };
  return JSON.stringify(body);
}

export interface DeliveryToSend {
  id: string;
  eventId: string;
  eventType: string;
  url: string;
  body: string;
}

/** The request for one attempt, signed at `at` (the signature's timestamp is the attempt's). */
export function signedWebhookRequest(
  delivery: DeliveryToSend,
  attempt: number,
  secret: string,
  at: Date,
): OutgoingWebhook {
  return {
    url: delivery.url,
    body: delivery.body,
    headers: {
      'Content-Type': 'application/json',
      'User-Agent': 'jit-access-notifications/1',
      'X-Jit-Signature': signWebhook(secret, delivery.body, at),
      'X-Jit-Event-Id': delivery.eventId,
      'X-Jit-Event-Type': delivery.eventType,
      'X-Jit-Delivery-Id': delivery.id,
      'X-Jit-Delivery-Attempt': String(attempt),
    },
  };
}

/**
 * A chat tool's incoming-message request. Chat tools check no signature; the URL itself is the
 * credential, so the ids travel in headers only for whoever reads the receiving side's logs.
 */
export function chatWebhookRequest(delivery: DeliveryToSend, attempt: number): OutgoingWebhook {
  return {
    url: delivery.url,
    body: delivery.body,
    headers: {
      'Content-Type': 'application/json',
      'User-Agent': 'jit-access-notifications/1',
      'X-Jit-Event-Id': delivery.eventId,
      'X-Jit-Delivery-Id': delivery.id,
      'X-Jit-Delivery-Attempt': String(attempt),
    },
  };
}
