import { DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from '@app/auth';
import { Clock, loadPolicyFile, SystemClock } from '@app/domain';
import { ServiceRuntimeModule } from '@app/platform';
import { AccessRequestController } from './access-request.controller';
import { AccessRequestRepository } from './access-request.repository';
import { AccessRequestService } from './access-request.service';
import { requestsMigrations } from './migrations';
import { POLICY_SET } from './policy-set.token';
import { RequestStatusConsumer } from './request-status.consumer';
import { RequestViewProjector } from './request-view.projector';
import { RequestsConfig } from './requests.config';
import { TicketingRequestConsumer } from './ticketing-request.consumer';

@Module({})
export class RequestsModule {
  /** Reads the policy file right away: a bad one stops start-up with every problem named. */
  static forRoot(config: RequestsConfig, overrides?: { clock?: Clock }): DynamicModule {
    const policies = loadPolicyFile(config.policyFile);
    return {
      module: RequestsModule,
      imports: [
        ServiceRuntimeModule.forRoot(
          {
            ...config.runtime,
            migrations: requestsMigrations,
            clock: overrides?.clock ?? new SystemClock(),
          },
          config.logLevel,
        ),
        AuthModule.forRoot(config.auth),
      ],
      controllers: [AccessRequestController],
      providers: [
        { provide: POLICY_SET, useValue: policies },
        AccessRequestRepository,
        AccessRequestService,
        RequestViewProjector,
        RequestStatusConsumer,
        TicketingRequestConsumer,
      ],
    };
  }
}
