import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { CLOCK, Clock } from '@app/domain';
import { PollingLoop } from '@app/messaging';
import { WEBHOOK_SETTINGS, WebhookSettings } from '../webhooks/webhook-settings';
import { EscalationTrigger } from './escalation.trigger';
import { NoticeRepository } from './notice.repository';
import { NoticeService } from './notice.service';
import { NOTICE_SETTINGS, NoticeSettings } from './notice-settings';

const BATCH_SIZE = 50;
const MAX_RETRY_DELAY_MS = 5000;
const MAX_RETRY_DOUBLINGS = 5;

/**
 * Escalates, every poll interval (and as soon as a notice's delivery fails for good), the high
 * and critical notices nobody acknowledged in time and those that could not be delivered.
 * Several instances may run: each escalation is claimed by a unique key, so one of them wins.
 */
@Injectable()
export class NoticeEscalationScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(NoticeEscalationScheduler.name);
  private readonly polling: PollingLoop;

  constructor(
    private readonly repository: NoticeRepository,
    private readonly notices: NoticeService,
    trigger: EscalationTrigger,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(NOTICE_SETTINGS) private readonly settings: NoticeSettings,
    @Inject(WEBHOOK_SETTINGS) webhooks: WebhookSettings,
  ) {
    const interval = webhooks.pollIntervalMs;
    this.polling = new PollingLoop({
      round: async () => {
        await this.runOnce();
        return 'wait';
      },
      idleMs: interval,
      backoff: {
        baseMs: interval,
        maxMs: Math.min(MAX_RETRY_DELAY_MS, interval * 2 ** MAX_RETRY_DOUBLINGS),
      },
      logger: this.logger,
      failureMessage: 'could not escalate due notices; retrying',
      // Shared with the dispatcher, which wakes it when a notice's delivery fails for good.
      delay: trigger,
    });
  }

  onApplicationBootstrap(): void {
    if (!this.settings.routing) return;
    this.polling.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.polling.stop();
  }

  /** One round: escalates what is due now; returns how many escalations it made. */
  async runOnce(): Promise<number> {
    let escalated = 0;
    for (const notice of await this.repository.findUndeliverable(BATCH_SIZE)) {
      if (await this.notices.escalate(notice, 'delivery-failed')) escalated += 1;
    }
    for (const notice of await this.repository.findUnacknowledgedDue(
      this.clock.now(),
      BATCH_SIZE,
    )) {
      if (await this.notices.escalate(notice, 'unacknowledged')) escalated += 1;
    }
    return escalated;
  }
}
