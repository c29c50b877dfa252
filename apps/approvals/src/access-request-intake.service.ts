import { Inject, Injectable, Logger } from '@nestjs/common';
import { EventEnvelope } from '@app/contracts';
import {
  CLOCK,
  Clock,
  evaluateAccessRequest,
  parseDuration,
  PolicyDecision,
  PolicySet,
} from '@app/domain';
import { UnprocessableRecordError } from '@app/messaging';
import { TransactionalOutbox } from '@app/platform';
import { EntityManager } from 'typeorm';
import { AccessRequestPlan, planAccessRequestDecision } from './access-request-decision.planner';
import { ApprovalRequestRepository } from './approval-request.repository';
import { ACCESS_EVENTS_HANDLER, POLICIES } from './approvals.constants';

type AccessRequested = EventEnvelope<'AccessRequested'>;

/** Decides each new access request under the policies this service has loaded. */
@Injectable()
export class AccessRequestIntakeService {
  private readonly logger = new Logger(AccessRequestIntakeService.name);

  constructor(
    @Inject(POLICIES) private readonly policies: PolicySet,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly outbox: TransactionalOutbox,
    private readonly repository: ApprovalRequestRepository,
  ) {}

  async decide(requested: AccessRequested): Promise<void> {
    const now = this.clock.now();
    const decision = this.evaluate(requested);
    const plan = planAccessRequestDecision(decision, requested, now);

    let duplicate = false;
    const handled = await this.outbox.handleOnce(
      ACCESS_EVENTS_HANDLER,
      requested.id,
      async (manager, emit) => {
        // The same request under a new event id: the first decision stands.
        // Limitation: refused requests are not kept, so one republished under a new event id is
        // evaluated again and refused a second time.
        if (await this.repository.exists(manager, requested.data.requestId)) {
          duplicate = true;
          return;
        }
        await this.store(manager, plan);
        await emit(plan.events);
      },
    );

    this.logger.log({
      msg: handled && !duplicate ? 'access request decided' : 'access request already decided',
      requestId: requested.data.requestId,
      correlationId: requested.correlationId,
      eventId: requested.id,
      outcome: handled && !duplicate ? plan.outcome : 'unchanged',
      policyId: decision.policyId,
      grantId: plan.outcome === 'approved' ? plan.grant.grantId : undefined,
    });
  }

  // Policies are evaluated again here, not trusted from the requester's side: this service's
  // policy file is the one that decides.
  private evaluate(requested: AccessRequested): PolicyDecision {
    const { data } = requested;
    const duration = parseDuration(data.duration);
    if (!duration.ok) {
      throw new UnprocessableRecordError(
        `request ${data.requestId} has an unusable duration: ${duration.error.message}`,
      );
    }

    // The start is judged against when the request was made, so a consumer backlog does not
    // turn a valid start into one in the past.
    return evaluateAccessRequest(this.policies, {
      requester: data.requester,
      resource: data.resource,
      role: data.role,
      durationMs: duration.value.milliseconds,
      ticket: data.ticket,
      startAt: data.startAt === null ? null : new Date(data.startAt),
      now: new Date(data.submittedAt),
    });
  }

  private async store(manager: EntityManager, plan: AccessRequestPlan): Promise<void> {
    switch (plan.outcome) {
      case 'refused':
        return;
      case 'pending':
        await this.repository.insert(manager, plan.request);
        return;
      case 'approved':
        await this.repository.insert(manager, plan.request);
        await this.repository.insertDecision(manager, plan.request.requestId, plan.resolution);
        await this.repository.insertGrant(manager, plan.grant);
        return;
      default:
        return unreachable(plan);
    }
  }
}

function unreachable(value: never): never {
  throw new Error(`unhandled plan ${JSON.stringify(value)}`);
}
