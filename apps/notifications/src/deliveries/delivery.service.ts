import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DomainEvent } from '@app/contracts';
import { CLOCK, Clock } from '@app/domain';
import { TransactionalOutbox } from '@app/platform';
import {
  buildNotification,
  isNotifiableEventType,
  Notification,
} from '../notifications/notification.builder';
import { endpointsFor, WebhookEndpoint } from '../webhooks/webhook-endpoint';
import { renderWebhookBody } from '../webhooks/webhook-request';
import { WEBHOOK_SETTINGS, WebhookSettings } from '../webhooks/webhook-settings';
import { WebhookDispatcher } from '../webhooks/webhook.dispatcher';
import { DeliveryRepository, NewDelivery } from './delivery.repository';
import { DeliveryListView, DeliveryQuery, toDeliveryView } from './delivery.schemas';

/** The processed-events name under which each access event is turned into deliveries once. */
export const DELIVERY_CONSUMER = 'webhook-deliveries';

export type ScheduleOutcome =
  | { outcome: 'not-notifiable' }
  | { outcome: 'no-endpoint' }
  | { outcome: 'scheduled'; deliveries: number }
  | { outcome: 'duplicate' };

@Injectable()
export class DeliveryService {
  constructor(
    private readonly outbox: TransactionalOutbox,
    private readonly repository: DeliveryRepository,
    private readonly dispatcher: WebhookDispatcher,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(WEBHOOK_SETTINGS) private readonly settings: WebhookSettings,
  ) {}

  /**
   * Creates one pending delivery per endpoint that takes this event. The same event seen again
   * (a redelivery, a rebalance) creates nothing, so each recipient is told once.
   */
  async scheduleFor(event: DomainEvent): Promise<ScheduleOutcome> {
    const notification = buildNotification(event);
    if (!notification || !isNotifiableEventType(event.type)) return { outcome: 'not-notifiable' };

    const endpoints = endpointsFor(this.settings.endpoints, event.type);
    if (endpoints.length === 0) return { outcome: 'no-endpoint' };

    const deliveries = planDeliveries(event, notification, endpoints, this.clock.now());
    let created = 0;
    const firstTime = await this.outbox.handleOnce(DELIVERY_CONSUMER, event.id, async (manager) => {
      created = await this.repository.insertPending(manager, deliveries);
    });

    if (created > 0) this.dispatcher.wake();
    return firstTime ? { outcome: 'scheduled', deliveries: created } : { outcome: 'duplicate' };
  }

  async list(query: DeliveryQuery): Promise<DeliveryListView> {
    const records = await this.repository.list(query);
    return { deliveries: records.map(toDeliveryView) };
  }
}

// Limitation: a delivery keeps the URL its endpoint had now; a later change of the endpoint's URL
// does not redirect deliveries still pending.
function planDeliveries(
  event: DomainEvent,
  notification: Notification,
  endpoints: readonly WebhookEndpoint[],
  now: Date,
): NewDelivery[] {
  return endpoints.map((endpoint) => {
    const id = randomUUID();
    return {
      id,
      eventId: event.id,
      eventType: event.type,
      endpointName: endpoint.name,
      channel: 'webhook',
      noticeId: null,
      url: endpoint.url,
      body: renderWebhookBody(id, event, notification),
      createdAt: now,
    };
  });
}
