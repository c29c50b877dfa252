import { DomainEvent, EventEnvelope, EventPayloads, EventType } from '@app/contracts';
import { PolicyDecision } from '@app/domain';
import { AccessRequestPlan, planAccessRequestDecision } from './access-request-decision.planner';
import {
  aRefusal,
  aRequiredApproval,
  anAccessRequested,
  anAutoApproval,
  NOW,
} from './testing/approval-builders';

const GRANT_ID = '3f0c2a9e-6d1b-4e7a-9c55-0b6f1d2e8a41';
const HOUR_MS = 3_600_000;

function when(
  decision: PolicyDecision,
  requested: EventEnvelope<'AccessRequested'> = anAccessRequested(),
): AccessRequestPlan {
  return planAccessRequestDecision(decision, requested, NOW, () => GRANT_ID);
}

function dataOf<K extends EventType>(events: DomainEvent[], type: K): EventPayloads[K] {
  const event = events.find((candidate) => candidate.type === type);
  if (event === undefined) {
    throw new Error(`expected a ${type} among ${events.map((e) => e.type).join(', ')}`);
  }
  return event.data as EventPayloads[K];
}

describe(planAccessRequestDecision.name, () => {
  describe('given a refusal by the policies', () => {
    it('emits AccessRequestRefused with the reason and keeps nothing', () => {
      const requested = anAccessRequested({ duration: 'PT6H' });

      const plan = when(aRefusal(), requested);

      expect(plan.outcome).toBe('refused');
      expect(plan.events.map((event) => event.type)).toEqual(['AccessRequestRefused']);
      expect(dataOf(plan.events, 'AccessRequestRefused')).toEqual({
        requestId: requested.data.requestId,
        requester: requested.data.requester,
        resource: 'db:orders-prod',
        role: 'read-only',
        duration: 'PT6H',
        reason: 'duration-exceeds-maximum',
        message: aRefusal().message,
        maximumDuration: 'PT4H',
        policyId: 'orders-prod',
      });
    });
  });

  describe('given an auto-approval', () => {
    it('approves automatically with no approvers and issues the grant in the same plan', () => {
      const requested = anAccessRequested();

      const plan = when(anAutoApproval(), requested);

      expect(plan.outcome).toBe('approved');
      expect(plan.events.map((event) => event.type)).toEqual(['RequestApproved', 'GrantIssued']);
      expect(dataOf(plan.events, 'RequestApproved')).toEqual({
        requestId: requested.data.requestId,
        approvers: [],
        automatic: true,
        policyId: 'orders-prod',
        approvedAt: NOW.toISOString(),
      });
    });

    it('grants exactly the requested duration from the moment of approval', () => {
      const plan = when(anAutoApproval(), anAccessRequested({ duration: 'PT1H' }));

      const grant = dataOf(plan.events, 'GrantIssued');
      expect(grant).toMatchObject({
        grantId: GRANT_ID,
        subject: 'u-101',
        startsAt: NOW.toISOString(),
        endsAt: new Date(NOW.getTime() + HOUR_MS).toISOString(),
        duration: 'PT1H',
        requestedDuration: 'PT1H',
        capped: false,
        approvers: [],
        automatic: true,
      });
    });

    it('starts the grant at the requested start when that is later than the approval', () => {
      const startAt = new Date(NOW.getTime() + 2 * HOUR_MS);

      const plan = when(anAutoApproval(), anAccessRequested({ startAt: startAt.toISOString() }));

      expect(dataOf(plan.events, 'GrantIssued')).toMatchObject({
        startsAt: startAt.toISOString(),
        endsAt: new Date(startAt.getTime() + HOUR_MS).toISOString(),
      });
    });

    it('keeps the request as approved by the rule, with its decision', () => {
      const plan = when(anAutoApproval({ rule: 'sre-short-read' }));

      if (plan.outcome !== 'approved') throw new Error(`expected approved, got ${plan.outcome}`);
      expect(plan.request).toMatchObject({
        status: 'approved',
        autoApproveRule: 'sre-short-read',
        approvalsRequired: 0,
        decideBy: null,
        resolvedAt: NOW,
      });
      expect(plan.resolution).toEqual({ status: 'approved', by: null, comment: null, at: NOW });
      expect(plan.grant.grantId).toBe(GRANT_ID);
    });
  });

  describe('given a request that needs approvers', () => {
    it('asks for approval with a deadline one decision timeout from now', () => {
      const requested = anAccessRequested({ ticket: 'INC-4711' });

      const plan = when(
        aRequiredApproval({ approverGroups: ['sre'], approvalsRequired: 2 }),
        requested,
      );

      expect(plan.outcome).toBe('pending');
      expect(plan.events.map((event) => event.type)).toEqual(['ApprovalRequested']);
      expect(dataOf(plan.events, 'ApprovalRequested')).toEqual({
        requestId: requested.data.requestId,
        requester: requested.data.requester,
        resource: 'db:orders-prod',
        role: 'read-only',
        duration: 'PT1H',
        justification: requested.data.justification,
        ticket: 'INC-4711',
        approverGroups: ['sre'],
        approvalsRequired: 2,
        decideBy: new Date(NOW.getTime() + 24 * HOUR_MS).toISOString(),
        policyId: 'orders-prod',
      });
    });

    it('keeps the request pending with what a later approval needs to issue the grant', () => {
      const requested = anAccessRequested({ duration: 'PT90M' });

      const plan = when(
        aRequiredApproval({ grantedDuration: 'PT1H30M', grantedDurationMs: 1.5 * HOUR_MS }),
        requested,
      );

      if (plan.outcome !== 'pending') throw new Error(`expected pending, got ${plan.outcome}`);
      expect(plan.request).toMatchObject({
        requestId: requested.data.requestId,
        status: 'pending',
        requestedDuration: 'PT90M',
        grantedDuration: 'PT1H30M',
        grantedDurationMs: 1.5 * HOUR_MS,
        capped: false,
        correlationId: requested.correlationId,
        resolvedAt: null,
      });
    });

    it('asks approvers for the capped duration when the policy capped the request', () => {
      const plan = when(
        aRequiredApproval({
          grantedDuration: 'PT4H',
          grantedDurationMs: 4 * HOUR_MS,
          capped: true,
        }),
        anAccessRequested({ duration: 'PT6H' }),
      );

      if (plan.outcome !== 'pending') throw new Error(`expected pending, got ${plan.outcome}`);
      expect(dataOf(plan.events, 'ApprovalRequested').duration).toBe('PT4H');
      expect(plan.request).toMatchObject({
        requestedDuration: 'PT6H',
        grantedDuration: 'PT4H',
        capped: true,
      });
    });
  });

  describe('whatever the decision', () => {
    it.each<[string, PolicyDecision]>([
      ['refusal', aRefusal()],
      ['auto-approval', anAutoApproval()],
      ['required approval', aRequiredApproval()],
    ])('emits a %s caused by the request and keyed by its id', (_name, decision) => {
      const requested = anAccessRequested();

      const plan = when(decision, requested);

      for (const event of plan.events) {
        expect(event).toMatchObject({
          source: 'approvals',
          time: NOW.toISOString(),
          partitionKey: requested.data.requestId,
          correlationId: requested.correlationId,
          causationId: requested.id,
        });
      }
    });
  });
});
