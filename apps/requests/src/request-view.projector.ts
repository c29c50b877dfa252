import { Injectable } from '@nestjs/common';
import { TransactionalOutbox } from '@app/platform';
import { AccessRequestRepository } from './access-request.repository';
import { evolveRequestView, ProjectedEvent } from './request-view';

export type ProjectionOutcome = 'updated' | 'unchanged' | 'unknown-request' | 'already-applied';

export const PROJECTION_CONSUMER = 'request-status';

/** Keeps each stored request's view current with the events of its lifecycle. */
@Injectable()
export class RequestViewProjector {
  constructor(
    private readonly outbox: TransactionalOutbox,
    private readonly repository: AccessRequestRepository,
  ) {}

  async project(event: ProjectedEvent): Promise<ProjectionOutcome> {
    let outcome = 'already-applied' as ProjectionOutcome;
    await this.outbox.handleOnce(PROJECTION_CONSUMER, event.id, async (manager) => {
      const current = await this.repository.findForUpdate(manager, event.data.requestId);
      // Limitation: an event for a request this service never stored is dropped for good. Every
      // request is stored before its first event can exist, so only foreign events land here.
      if (current === null) {
        outcome = 'unknown-request';
        return;
      }

      const next = evolveRequestView(current, event);
      if (next === null || next === current) {
        outcome = 'unchanged';
        return;
      }

      await this.repository.saveView(manager, next);
      outcome = 'updated';
    });
    return outcome;
  }
}
