import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
  Optional,
} from '@nestjs/common';
import { CLOCK, Clock } from '@app/domain';
import { PollingLoop, RoundOutcome } from '@app/messaging';
import {
  ClaimedDelivery,
  DeliveryQueue,
  DeliveryRepository,
} from '../deliveries/delivery.repository';
import { MailSender, MailTransport } from '../notices/channels/mail.sender';
import { EscalationTrigger } from '../notices/escalation.trigger';
import { EmailMessage } from '../notices/notice-message';
import { NOTICE_SETTINGS, NoticeSettings } from '../notices/notice-settings';
import { DeliveryStep, nextDeliveryStep } from './retry-schedule';
import { chatWebhookRequest, signedWebhookRequest } from './webhook-request';
import { WEBHOOK_SETTINGS, WebhookSettings } from './webhook-settings';
import { WebhookResponse, WebhookSender, WebhookTransport } from './webhook.sender';

/** Time beyond the request timeout that a lease lasts, for recording the outcome after the answer. */
export const LEASE_MARGIN_MS = 30_000;
export const MAX_PARALLEL_DELIVERIES = 8;
const MAX_RETRY_DELAY_MS = 5000;
const MAX_RETRY_DOUBLINGS = 5;

/**
 * Sends due deliveries to their endpoints, at most a few at a time, and records every attempt.
 * Any number of instances may run: a delivery is leased by the one that claimed it, and the
 * lease outlasts the request timeout, so two instances do not send it at the same time.
 * JIT webhooks and opt-out notices share it: each delivery names its channel (signed webhook,
 * chat message or e-mail), and all of them are retried and recorded the same way.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(WebhookDispatcher.name);
  private readonly inFlight = new Set<Promise<void>>();
  private reservedSlots = 0;
  private readonly polling: PollingLoop;

  constructor(
    @Inject(DeliveryRepository) private readonly queue: DeliveryQueue,
    @Inject(WebhookSender) private readonly transport: WebhookTransport,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(WEBHOOK_SETTINGS) private readonly settings: WebhookSettings,
    @Optional() @Inject(MailSender) private readonly mail: MailTransport | null = null,
    @Optional() private readonly escalations: EscalationTrigger | null = null,
    @Optional() @Inject(NOTICE_SETTINGS) private readonly notices: NoticeSettings | null = null,
  ) {
    const interval = settings.pollIntervalMs;
    this.polling = new PollingLoop({
      round: () => this.dispatchRound(),
      idleMs: interval,
      backoff: {
        baseMs: interval,
        maxMs: Math.min(MAX_RETRY_DELAY_MS, interval * 2 ** MAX_RETRY_DOUBLINGS),
      },
      logger: this.logger,
      failureMessage: 'could not claim due webhook deliveries; retrying',
    });
  }

  onApplicationBootstrap(): void {
    this.start();
  }

  // Before the runtime's shutdown hooks close the database: attempts in flight get recorded.
  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  start(): void {
    if (!this.settings.signingSecret && !this.notices?.routing) {
      this.logger.log({ msg: 'no webhook endpoint or notice routing configured; nothing is sent' });
      return;
    }
    this.polling.start();
  }

  async stop(): Promise<void> {
    await this.polling.stop();
    await Promise.all([...this.inFlight]);
  }

  /** Asks for a round now rather than after the poll interval, e.g. once a delivery is created. */
  wake(): void {
    this.polling.wake();
  }

  /** Sends what is due now, within the free parallel slots; resolves once each attempt is recorded. */
  async runOnce(): Promise<number> {
    const attempts = await this.dispatchDue();
    await Promise.all(attempts);
    return attempts.length;
  }

  private async dispatchRound(): Promise<RoundOutcome> {
    // The attempts run on; each one wakes the loop as it ends, to fill its slot again.
    const started = await this.dispatchDue();
    if (started.length > 0) {
      this.logger.debug({ msg: 'webhook attempts started', count: started.length });
    }
    return 'wait';
  }

  private async dispatchDue(): Promise<Promise<void>[]> {
    const free = MAX_PARALLEL_DELIVERIES - this.inFlight.size - this.reservedSlots;
    if (free <= 0) return [];

    // Slots are reserved while the claim runs, so rounds started meanwhile cannot exceed the bound.
    this.reservedSlots += free;
    let claimed: ClaimedDelivery[];
    try {
      const now = this.clock.now();
      const leaseUntil = new Date(now.getTime() + this.settings.timeoutMs + LEASE_MARGIN_MS);
      claimed = await this.queue.claimDue(now, leaseUntil, free);
    } finally {
      this.reservedSlots -= free;
    }

    return claimed.map((delivery) => this.track(this.attempt(delivery)));
  }

  private track(work: Promise<void>): Promise<void> {
    const tracked: Promise<void> = work.finally(() => {
      this.inFlight.delete(tracked);
      // A slot is free again: more may be due.
      this.wake();
    });
    this.inFlight.add(tracked);
    return tracked;
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    const attempt = delivery.attempts + 1;
    try {
      const attemptedAt = this.clock.now();
      const response = await this.send(delivery, attempt, attemptedAt);
      const step = nextDeliveryStep(
        attempt,
        response.statusCode,
        this.clock.now(),
        this.settings,
        Math.random(),
      );

      const recorded = await this.queue.recordAttempt(
        delivery,
        { attempt, attemptedAt, ...response },
        step,
      );
      if (!recorded) {
        this.logger.warn({
          msg: 'delivery moved on while it was being sent; this attempt is not recorded',
          deliveryId: delivery.id,
          endpoint: delivery.endpointName,
          eventId: delivery.eventId,
          attempt,
        });
        return;
      }
      this.report(delivery, attempt, response, step);
      // The escalation loop also finds failed notice deliveries on its own; this only hurries it.
      if (step.status === 'failed' && delivery.noticeId) this.escalations?.wake();
    } catch (error) {
      // The lease runs out and the delivery is sent again: sent twice rather than never.
      this.logger.warn({
        msg: 'could not record a webhook attempt; it is sent again when its lease ends',
        deliveryId: delivery.id,
        endpoint: delivery.endpointName,
        eventId: delivery.eventId,
        attempt,
        error: (error as Error).message,
      });
    }
  }

  private send(
    delivery: ClaimedDelivery,
    attempt: number,
    attemptedAt: Date,
  ): Promise<WebhookResponse> {
    const timeoutMs = this.settings.timeoutMs;
    switch (delivery.channel) {
      case 'webhook': {
        const secret = this.settings.signingSecret;
        if (!secret) return Promise.resolve(unsendable('WEBHOOK_SIGNING_SECRET is not configured'));
        const request = signedWebhookRequest(delivery, attempt, secret, attemptedAt);
        return this.transport.send(request, timeoutMs);
      }
      case 'chat':
        return this.transport.send(chatWebhookRequest(delivery, attempt), timeoutMs);
      case 'email':
        if (!this.mail) return Promise.resolve(unsendable('no e-mail transport'));
        return this.mail.send(JSON.parse(delivery.body) as EmailMessage, timeoutMs);
      default:
        return assertNever(delivery.channel);
    }
  }

  private report(
    delivery: ClaimedDelivery,
    attempt: number,
    response: WebhookResponse,
    step: DeliveryStep,
  ): void {
    const fields = {
      deliveryId: delivery.id,
      endpoint: delivery.endpointName,
      channel: delivery.channel,
      noticeId: delivery.noticeId,
      eventId: delivery.eventId,
      eventType: delivery.eventType,
      attempt,
      statusCode: response.statusCode,
      durationMs: response.durationMs,
    };
    switch (step.status) {
      case 'delivered':
        this.logger.log({ msg: 'webhook delivered', ...fields });
        return;
      case 'pending':
        this.logger.warn({
          msg: 'webhook attempt failed; retrying later',
          ...fields,
          error: response.error,
          retryInMs: step.retryInMs,
        });
        return;
      case 'failed':
        this.logger.error({
          msg: 'webhook delivery failed: no attempt left',
          ...fields,
          maxAttempts: this.settings.maxAttempts,
          lastError: response.error,
        });
        return;
      default:
        return assertNever(step);
    }
  }
}

function unsendable(error: string): WebhookResponse {
  return { statusCode: null, error, durationMs: 0 };
}

function assertNever(value: never): never {
  throw new Error(`unhandled value: ${JSON.stringify(value)}`);
}
