import { DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from '@app/auth';
import { Clock, loadPolicyFile, SystemClock } from '@app/domain';
import { ServiceRuntimeModule } from '@app/platform';
import { AccessEventsConsumer } from './access-events.consumer';
import { AccessRequestApprovalController } from './access-request-approval.controller';
import { AccessRequestIntakeService } from './access-request-intake.service';
import { ApprovalRequestRepository } from './approval-request.repository';
import { ApprovalService } from './approval.service';
import { ApprovalsConfig } from './approvals.config';
import { POLICIES } from './approvals.constants';
import { CreateApprovalsSchema1796295211726 } from './migrations/1796295211726-CreateApprovalsSchema';
import { CreateOptOuts1796900300000 } from './migrations/1796900300000-CreateOptOuts';
import { OptOutController } from './opt-out.controller';
import { OptOutLifecycleService } from './opt-out-lifecycle.service';
import { OptOutRepository } from './opt-out.repository';
import { OptOutRequestService } from './opt-out-request.service';

@Module({})
export class ApprovalsModule {
  static forRoot(config: ApprovalsConfig, overrides?: { clock?: Clock }): DynamicModule {
    return {
      module: ApprovalsModule,
      imports: [
        ServiceRuntimeModule.forRoot(
          {
            ...config.runtime,
            migrations: [CreateApprovalsSchema1796295211726, CreateOptOuts1796900300000],
            clock: overrides?.clock ?? new SystemClock(),
          },
          config.logLevel,
        ),
        AuthModule.forRoot(config.auth),
      ],
      controllers: [AccessRequestApprovalController, OptOutController],
      providers: [
        // A bad policy file stops the service at start-up, naming every problem in it.
        { provide: POLICIES, useFactory: () => loadPolicyFile(config.policyFile) },
        ApprovalRequestRepository,
        AccessRequestIntakeService,
        ApprovalService,
        OptOutRepository,
        OptOutRequestService,
        OptOutLifecycleService,
        AccessEventsConsumer,
      ],
    };
  }
}
