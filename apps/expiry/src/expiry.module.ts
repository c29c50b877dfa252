import { DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from '@app/auth';
import { Clock, SystemClock } from '@app/domain';
import { ServiceRuntimeModule } from '@app/platform';
import { ExpiryConfig } from './expiry.config';
import { expiryMigrations } from './migrations';
import { AccessEventConsumer } from './schedule/access-event.consumer';
import { DeadlineScheduler, SCHEDULER_OPTIONS } from './schedule/deadline.scheduler';
import { ScheduleRepository } from './schedule/schedule.repository';
import { ScheduleService } from './schedule/schedule.service';
import { ScheduleSummaryController } from './schedule/schedule-summary.controller';
import { ScheduleSummaryService } from './schedule/schedule-summary.service';

@Module({})
export class ExpiryModule {
  static forRoot(config: ExpiryConfig, overrides: { clock?: Clock } = {}): DynamicModule {
    return {
      module: ExpiryModule,
      imports: [
        ServiceRuntimeModule.forRoot(
          {
            ...config.runtime,
            migrations: expiryMigrations,
            clock: overrides.clock ?? new SystemClock(),
          },
          config.logLevel,
        ),
        AuthModule.forRoot(config.auth),
      ],
      controllers: [ScheduleSummaryController],
      providers: [
        { provide: SCHEDULER_OPTIONS, useValue: config.scheduler },
        ScheduleRepository,
        ScheduleService,
        AccessEventConsumer,
        DeadlineScheduler,
        ScheduleSummaryService,
      ],
    };
  }
}
