import { DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from '@app/auth';
import { Clock, SystemClock } from '@app/domain';
import { ServiceRuntimeModule } from '@app/platform';
import { DeliveryController } from './deliveries/delivery.controller';
import { DeliveryRepository } from './deliveries/delivery.repository';
import { DeliveryService } from './deliveries/delivery.service';
import { NotifiableEventConsumer } from './deliveries/notifiable-event.consumer';
import { CreateDeliveries1796295600000 } from './migrations/1796295600000-CreateDeliveries';
import { CreateNotices1796295700000 } from './migrations/1796295700000-CreateNotices';
import { MailSender } from './notices/channels/mail.sender';
import { EscalationTrigger } from './notices/escalation.trigger';
import { NoticeController } from './notices/notice.controller';
import { NoticeEscalationScheduler } from './notices/notice-escalation.scheduler';
import { NoticeRepository } from './notices/notice.repository';
import { NoticeService } from './notices/notice.service';
import { NOTICE_SETTINGS } from './notices/notice-settings';
import { NotificationsConfig } from './notifications.config';
import { WEBHOOK_SETTINGS } from './webhooks/webhook-settings';
import { WebhookDispatcher } from './webhooks/webhook.dispatcher';
import { WebhookSender } from './webhooks/webhook.sender';

@Module({})
export class NotificationsModule {
  static forRoot(config: NotificationsConfig, overrides?: { clock?: Clock }): DynamicModule {
    return {
      module: NotificationsModule,
      imports: [
        ServiceRuntimeModule.forRoot(
          {
            ...config.runtime,
            migrations: [CreateDeliveries1796295600000, CreateNotices1796295700000],
            clock: overrides?.clock ?? new SystemClock(),
          },
          config.logLevel,
        ),
        AuthModule.forRoot(config.auth),
      ],
      controllers: [DeliveryController, NoticeController],
      providers: [
        { provide: WEBHOOK_SETTINGS, useValue: config.webhooks },
        { provide: NOTICE_SETTINGS, useValue: config.notices },
        DeliveryRepository,
        NoticeRepository,
        WebhookSender,
        MailSender,
        EscalationTrigger,
        WebhookDispatcher,
        DeliveryService,
        NoticeService,
        NoticeEscalationScheduler,
        NotifiableEventConsumer,
      ],
    };
  }
}
