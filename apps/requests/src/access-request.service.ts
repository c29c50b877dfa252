import { Inject, Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Principal } from '@app/contracts';
import { CLOCK, Clock, PolicySet } from '@app/domain';
import { Emit, TransactionalOutbox } from '@app/platform';
import {
  AccessRequestNotFoundError,
  IdempotencyKeyReusedError,
  InvalidDurationError,
} from './access-request.errors';
import { AccessRequestRepository } from './access-request.repository';
import {
  AccessRequestSubmission,
  differencesFrom,
  RecordedSubmission,
  recordSubmission,
} from './access-request.submission';
import { POLICY_SET } from './policy-set.token';
import { RequestStatus, RequestView } from './request-view';
import { decideSubmission } from './submission-decision';

export type SubmissionOutcome = 'submitted' | 'refused' | 'replayed';

export interface SubmissionResult {
  outcome: SubmissionOutcome;
  view: RequestView;
}

/** Runs a submission at most once per consumer and event id, for requests read from a topic. */
export interface Deduplication {
  consumer: string;
  eventId: string;
}

export const LIST_LIMIT = 100;

@Injectable()
export class AccessRequestService {
  private readonly logger = new Logger(AccessRequestService.name);

  constructor(
    @Inject(POLICY_SET) private readonly policies: PolicySet,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly outbox: TransactionalOutbox,
    private readonly repository: AccessRequestRepository,
  ) {}

  /**
   * Files a request from either channel: refused by policy (stored as refused, with an
   * AccessRequestRefused event) or submitted (stored, with an AccessRequested event). A request
   * whose id is already stored is returned as it is, and nothing new is stored or emitted.
   */
  async submit(
    submission: AccessRequestSubmission,
    deduplication: Deduplication | null = null,
  ): Promise<SubmissionResult> {
    const existing = await this.repository.findById(submission.requestId);
    if (existing !== null) {
      return this.replay(existing, submission);
    }

    const now = this.clock.now();
    const decision = decideSubmission(this.policies, {
      requester: submission.requester,
      resource: submission.resource,
      role: submission.role,
      duration: submission.duration,
      ticket: submission.ticket,
      startAt: submission.startAt === null ? null : new Date(submission.startAt),
      now,
    });
    if (decision.kind === 'invalid-duration') {
      throw new InvalidDurationError(decision.reason);
    }

    const recorded = recordSubmission(submission, decision, now);
    const stored = await this.store(recorded, submission.idempotencyKey, deduplication);
    // Another delivery or a concurrent retry stored it between our read and our insert.
    if (!stored) {
      return this.replay(await this.get(submission.requestId), submission);
    }

    this.logger.log({
      msg: decision.kind === 'refuse' ? 'access request refused' : 'access request submitted',
      requestId: submission.requestId,
      correlationId: submission.correlationId,
      channel: submission.channel,
      requesterId: submission.requester.id,
      resource: submission.resource,
      role: submission.role,
      duration: submission.duration,
      ...(decision.kind === 'refuse'
        ? { reason: decision.refusal.reason, policyId: decision.refusal.policyId }
        : { policyId: decision.policy.policyId }),
    });
    return { outcome: decision.kind === 'refuse' ? 'refused' : 'submitted', view: recorded.view };
  }

  async get(requestId: string): Promise<RequestView> {
    const view = await this.repository.findById(requestId);
    if (view === null) {
      throw new AccessRequestNotFoundError(requestId);
    }
    return view;
  }

  // Limitation: only the newest LIST_LIMIT requests are listed; there is no paging past them.
  async listOwn(requester: Principal, status: RequestStatus | null): Promise<RequestView[]> {
    return this.repository.list({ requesterId: requester.id, status, limit: LIST_LIMIT });
  }

  private async store(
    recorded: RecordedSubmission,
    idempotencyKey: string | null,
    deduplication: Deduplication | null,
  ): Promise<boolean> {
    let inserted = false;
    const work = async (manager: EntityManager, emit: Emit): Promise<void> => {
      inserted = await this.repository.insert(manager, recorded.view, idempotencyKey);
      if (inserted) {
        await emit([recorded.event]);
      }
    };

    if (deduplication === null) {
      await this.outbox.transaction(work);
    } else {
      await this.outbox.handleOnce(deduplication.consumer, deduplication.eventId, work);
    }
    return inserted;
  }

  private replay(existing: RequestView, submission: AccessRequestSubmission): SubmissionResult {
    const differences = differencesFrom(existing, submission);
    if (differences.length > 0) {
      throw new IdempotencyKeyReusedError(existing.requestId, differences);
    }

    this.logger.debug({
      msg: 'access request already filed',
      requestId: existing.requestId,
      channel: submission.channel,
      status: existing.status,
    });
    return { outcome: 'replayed', view: existing };
  }
}
