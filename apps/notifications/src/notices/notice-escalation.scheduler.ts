import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { CLOCK, Clock } from '@app/domain';
import { WEBHOOK_SETTINGS, WebhookSettings } from '../webhooks/webhook-settings';
import { EscalationTrigger } from './escalation.trigger';
import { NoticeRepository } from './notice.repository';
import { NoticeService } from './notice.service';
import { NOTICE_SETTINGS, NoticeSettings } from './notice-settings';

const BATCH_SIZE = 50;

/**
 * Escalates, every poll interval (and as soon as a notice's delivery fails for good), the high
 * and critical notices nobody acknowledged in time and those that could not be delivered.
 * Several instances may run: each escalation is claimed by a unique key, so one of them wins.
 */
@Injectable()
export class NoticeEscalationScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(NoticeEscalationScheduler.name);
  private running = false;
  private loop: Promise<void> | null = null;

  constructor(
    private readonly repository: NoticeRepository,
    private readonly notices: NoticeService,
    private readonly trigger: EscalationTrigger,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(NOTICE_SETTINGS) private readonly settings: NoticeSettings,
    @Inject(WEBHOOK_SETTINGS) private readonly webhooks: WebhookSettings,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.settings.routing || this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async onModuleDestroy(): Promise<void> {
    this.running = false;
    this.trigger.wake();
    await this.loop;
    this.loop = null;
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

  private async run(): Promise<void> {
    const interval = this.webhooks.pollIntervalMs;
    let failures = 0;
    while (this.running) {
      try {
        await this.runOnce();
        failures = 0;
        await this.sleep(interval);
      } catch (error) {
        failures += 1;
        const delayMs = Math.min(5000, interval * 2 ** Math.min(failures, 5));
        this.logger.warn({
          msg: 'could not escalate due notices; retrying',
          delayMs,
          error: (error as Error).message,
        });
        await this.sleep(delayMs);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    if (!this.running) return Promise.resolve();
    return this.trigger.wait(ms);
  }
}
