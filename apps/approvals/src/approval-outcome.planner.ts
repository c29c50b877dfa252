import { randomUUID } from 'node:crypto';
import { createEvent, DomainEvent, EventOrigin } from '@app/contracts';
import { ApprovalOutcome } from '@app/domain';
import {
  ApprovalRequestRecord,
  IssuedGrant,
  RecordedApproval,
  Resolution,
} from './approval-request';
import { issueGrant } from './grant-issuance';

/** What to store and emit for the outcomes of one approval decision. */
export interface ApprovalPlan {
  approvals: RecordedApproval[];
  resolution: Resolution | null;
  grant: IssuedGrant | null;
  events: DomainEvent[];
}

/**
 * Turns the decider's outcomes into rows and events; an approval that completes the quorum also
 * issues the grant, in the same plan so both commit together.
 */
export function planApprovalOutcome(
  request: ApprovalRequestRecord,
  outcomes: ApprovalOutcome[],
  origin: EventOrigin,
  newId: () => string = randomUUID,
): ApprovalPlan {
  const plan: ApprovalPlan = { approvals: [], resolution: null, grant: null, events: [] };

  for (const outcome of outcomes) {
    plan.events.push(toEnvelope(outcome, origin));
    switch (outcome.type) {
      case 'ApprovalRecorded':
        plan.approvals.push({
          approver: outcome.data.approver,
          comment: outcome.data.comment,
          approvedAt: new Date(outcome.data.recordedAt),
        });
        break;
      case 'RequestApproved': {
        const approvedAt = new Date(outcome.data.approvedAt);
        const deciding = plan.approvals.at(-1) ?? null;
        plan.resolution = {
          status: 'approved',
          by: deciding?.approver ?? null,
          comment: deciding?.comment ?? null,
          at: approvedAt,
        };
        plan.grant = issueGrant(
          request,
          { approvedAt, approvers: outcome.data.approvers, automatic: outcome.data.automatic },
          newId(),
        );
        plan.events.push(createEvent('GrantIssued', plan.grant, origin));
        break;
      }
      case 'RequestDenied':
        plan.resolution = {
          status: 'denied',
          by: outcome.data.deniedBy,
          comment: outcome.data.comment,
          at: new Date(outcome.data.deniedAt),
        };
        break;
      case 'RequestExpired':
        plan.resolution = {
          status: 'expired',
          by: null,
          comment: null,
          at: new Date(outcome.data.expiredAt),
        };
        break;
      default:
        return unreachable(outcome);
    }
  }

  return plan;
}

function toEnvelope(outcome: ApprovalOutcome, origin: EventOrigin): DomainEvent {
  switch (outcome.type) {
    case 'ApprovalRecorded':
      return createEvent(outcome.type, outcome.data, origin);
    case 'RequestApproved':
      return createEvent(outcome.type, outcome.data, origin);
    case 'RequestDenied':
      return createEvent(outcome.type, outcome.data, origin);
    case 'RequestExpired':
      return createEvent(outcome.type, outcome.data, origin);
    default:
      return unreachable(outcome);
  }
}

function unreachable(value: never): never {
  throw new Error(`unhandled approval outcome ${JSON.stringify(value)}`);
}
