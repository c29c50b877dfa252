import { DomainEvent, EventOrigin, EventPayloads, EventType } from '@app/contracts';
import { ApprovalOutcome } from '@app/domain';
import { ApprovalRequestRecord } from './approval-request';
import { ApprovalPlan, planApprovalOutcome } from './approval-outcome.planner';
import { aPendingRequest, NOW } from './testing/approval-builders';

const GRANT_ID = '9a4e1c7b-2f3d-4b8e-8c11-5d6f7a8b9c0d';
const HOUR_MS = 3_600_000;
const APPROVED_AT = new Date(NOW.getTime() + 15 * 60_000);

function given(overrides: Partial<ApprovalRequestRecord> = {}): ApprovalRequestRecord {
  return aPendingRequest(overrides);
}

function when(request: ApprovalRequestRecord, outcomes: ApprovalOutcome[]): ApprovalPlan {
  const origin: EventOrigin = {
    source: 'approvals',
    time: APPROVED_AT,
    partitionKey: request.requestId,
    correlationId: request.correlationId,
    causationId: null,
  };
  return planApprovalOutcome(request, outcomes, origin, () => GRANT_ID);
}

function recorded(request: ApprovalRequestRecord, approver: string, count = 1): ApprovalOutcome {
  return {
    type: 'ApprovalRecorded',
    data: {
      requestId: request.requestId,
      approver,
      comment: `ok from ${approver}`,
      approvalsCount: count,
      approvalsRequired: request.approvalsRequired,
      recordedAt: APPROVED_AT.toISOString(),
    },
  };
}

function approved(request: ApprovalRequestRecord, approvers: string[]): ApprovalOutcome {
  return {
    type: 'RequestApproved',
    data: {
      requestId: request.requestId,
      approvers,
      automatic: false,
      policyId: request.policyId,
      approvedAt: APPROVED_AT.toISOString(),
    },
  };
}

function dataOf<K extends EventType>(events: DomainEvent[], type: K): EventPayloads[K] {
  const event = events.find((candidate) => candidate.type === type);
  if (event === undefined) throw new Error(`expected a ${type}`);
  return event.data as EventPayloads[K];
}

describe(planApprovalOutcome.name, () => {
  it('records an approval that does not reach the quorum without resolving the request', () => {
    const request = given({ approvalsRequired: 2 });

    const plan = when(request, [recorded(request, 'u-302')]);

    expect(plan.events.map((event) => event.type)).toEqual(['ApprovalRecorded']);
    expect(plan.approvals).toEqual([
      { approver: 'u-302', comment: 'ok from u-302', approvedAt: APPROVED_AT },
    ]);
    expect(plan.resolution).toBeNull();
    expect(plan.grant).toBeNull();
  });

  it('issues the grant when the approval completes the quorum, after the approval events', () => {
    const request = given();

    const plan = when(request, [recorded(request, 'u-202'), approved(request, ['u-202'])]);

    expect(plan.events.map((event) => event.type)).toEqual([
      'ApprovalRecorded',
      'RequestApproved',
      'GrantIssued',
    ]);
    expect(plan.resolution).toEqual({
      status: 'approved',
      by: 'u-202',
      comment: 'ok from u-202',
      at: APPROVED_AT,
    });
    expect(plan.grant?.grantId).toBe(GRANT_ID);
  });

  it('ends a PT1H grant approved at T at exactly T + 1 hour', () => {
    const request = given({ requestedDuration: 'PT1H', grantedDuration: 'PT1H' });

    const plan = when(request, [recorded(request, 'u-202'), approved(request, ['u-202'])]);

    expect(dataOf(plan.events, 'GrantIssued')).toEqual({
      grantId: GRANT_ID,
      requestId: request.requestId,
      subject: request.requester.id,
      resource: request.resource,
      role: request.role,
      startsAt: APPROVED_AT.toISOString(),
      endsAt: new Date(APPROVED_AT.getTime() + HOUR_MS).toISOString(),
      duration: 'PT1H',
      requestedDuration: 'PT1H',
      capped: false,
      approvers: ['u-202'],
      automatic: false,
      policyId: request.policyId,
    });
  });

  it('says so on the grant when the policy capped the request', () => {
    const request = given({
      requestedDuration: 'PT6H',
      grantedDuration: 'PT4H',
      grantedDurationMs: 4 * HOUR_MS,
      capped: true,
    });

    const plan = when(request, [recorded(request, 'u-202'), approved(request, ['u-202'])]);

    expect(dataOf(plan.events, 'GrantIssued')).toMatchObject({
      endsAt: new Date(APPROVED_AT.getTime() + 4 * HOUR_MS).toISOString(),
      duration: 'PT4H',
      requestedDuration: 'PT6H',
      capped: true,
    });
  });

  it('resolves a denial with the approver and comment and issues no grant', () => {
    const request = given();

    const plan = when(request, [
      {
        type: 'RequestDenied',
        data: {
          requestId: request.requestId,
          deniedBy: 'u-203',
          comment: 'not during the freeze',
          deniedAt: APPROVED_AT.toISOString(),
        },
      },
    ]);

    expect(plan.events.map((event) => event.type)).toEqual(['RequestDenied']);
    expect(plan.resolution).toEqual({
      status: 'denied',
      by: 'u-203',
      comment: 'not during the freeze',
      at: APPROVED_AT,
    });
    expect(plan.grant).toBeNull();
  });

  it('resolves an expiry without a person', () => {
    const request = given();

    const plan = when(request, [
      {
        type: 'RequestExpired',
        data: {
          requestId: request.requestId,
          decideBy: NOW.toISOString(),
          expiredAt: APPROVED_AT.toISOString(),
        },
      },
    ]);

    expect(plan.resolution).toEqual({
      status: 'expired',
      by: null,
      comment: null,
      at: APPROVED_AT,
    });
    expect(plan.approvals).toEqual([]);
  });

  it('plans nothing for no outcomes, as when a deadline passes on a resolved request', () => {
    const plan = when(given({ status: 'approved' }), []);

    expect(plan).toEqual({ approvals: [], resolution: null, grant: null, events: [] });
  });

  it('keys every event by the request id', () => {
    const request = given();

    const plan = when(request, [recorded(request, 'u-202'), approved(request, ['u-202'])]);

    expect(new Set(plan.events.map((event) => event.partitionKey))).toEqual(
      new Set([request.requestId]),
    );
  });
});
