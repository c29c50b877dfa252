import { Principal } from '@app/contracts';
import { AccessRequestInput, evaluateAccessRequest } from './policy-evaluator';
import { parsePolicySet } from './policy-loader';
import { PolicySet } from './policy-set';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const NOW = new Date('2026-12-03T10:00:00.000Z');

const POLICIES: PolicySet = parsePolicySet(
  `
version: 1
defaults:
  maxDuration: PT12H
  decisionTimeout: PT24H
  maxStartDelay: P7D
policies:
  - id: orders-db
    resources: ['db:orders-*']
    roles:
      read-only:
        requesters: { groups: [sre, dba, engineering], users: [u-150] }
        approvers: { groups: [dba] }
        approvalsRequired: 1
        maxDuration: PT4H
        autoApprove:
          - name: sre-short-read
            requesterGroups: [sre]
            maxDuration: PT1H
          - name: dba-ticketed-read
            requesterGroups: [dba]
            maxDuration: PT2H
            requireTicket: true
      db-admin:
        requesters: { groups: [dba] }
        approvers: { groups: [dba, security-leads] }
        approvalsRequired: 2
        maxDuration: PT2H
        overMaximum: cap
  - id: all-databases
    resources: ['db:*']
    roles:
      read-only:
        requesters: { groups: [engineering] }
        approvers: { groups: [dba] }
        approvalsRequired: 1
`,
  'evaluator-test.yaml',
);

function aPrincipal(id: string, ...groups: string[]): Principal {
  return { id, groups };
}

function aRequest(overrides: Partial<AccessRequestInput> = {}): AccessRequestInput {
  return {
    requester: aPrincipal('u-1', 'engineering'),
    resource: 'db:orders-prod',
    role: 'read-only',
    durationMs: HOUR,
    ticket: null,
    startAt: null,
    now: NOW,
    ...overrides,
  };
}

describe(evaluateAccessRequest.name, () => {
  describe('choosing the policy', () => {
    it('refuses a resource no policy covers', () => {
      const decision = evaluateAccessRequest(POLICIES, aRequest({ resource: 'console:gcp' }));

      expect(decision).toEqual({
        kind: 'refuse',
        reason: 'no-matching-policy',
        message: 'no policy covers console:gcp',
        maximumDuration: null,
        policyId: null,
      });
    });

    it('refuses a role the matching policy does not define', () => {
      const decision = evaluateAccessRequest(POLICIES, aRequest({ role: 'owner' }));

      expect(decision).toMatchObject({
        kind: 'refuse',
        reason: 'no-matching-policy',
        policyId: 'orders-db',
      });
    });

    it('lets the first matching policy decide, even when a later one would also match', () => {
      const decision = evaluateAccessRequest(POLICIES, aRequest({ durationMs: 5 * HOUR }));

      expect(decision).toMatchObject({ kind: 'refuse', policyId: 'orders-db' });
    });

    it('falls through to a later policy for resources the first does not cover', () => {
      const decision = evaluateAccessRequest(POLICIES, aRequest({ resource: 'db:payments' }));

      expect(decision).toMatchObject({ kind: 'require-approval', policyId: 'all-databases' });
    });
  });

  describe('eligibility', () => {
    it('refuses a requester who is neither listed nor in a requester group', () => {
      const decision = evaluateAccessRequest(
        POLICIES,
        aRequest({ requester: aPrincipal('u-9', 'marketing') }),
      );

      expect(decision).toMatchObject({
        kind: 'refuse',
        reason: 'not-eligible',
        policyId: 'orders-db',
        maximumDuration: null,
      });
    });

    it('accepts a requester listed by id without being in any group', () => {
      const decision = evaluateAccessRequest(
        POLICIES,
        aRequest({ requester: aPrincipal('u-150') }),
      );

      expect(decision.kind).toBe('require-approval');
    });
  });

  describe('duration', () => {
    it('refuses more than the maximum and names the maximum', () => {
      const decision = evaluateAccessRequest(POLICIES, aRequest({ durationMs: 5 * HOUR }));

      expect(decision).toEqual({
        kind: 'refuse',
        reason: 'duration-exceeds-maximum',
        message: 'requested PT5H exceeds the maximum PT4H for read-only on db:orders-prod',
        maximumDuration: 'PT4H',
        policyId: 'orders-db',
      });
    });

    it('accepts exactly the maximum', () => {
      const decision = evaluateAccessRequest(POLICIES, aRequest({ durationMs: 4 * HOUR }));

      expect(decision).toMatchObject({ kind: 'require-approval', grantedDuration: 'PT4H' });
    });

    it('caps more than the maximum when the role says so, and flags it', () => {
      const decision = evaluateAccessRequest(
        POLICIES,
        aRequest({ requester: aPrincipal('u-2', 'dba'), role: 'db-admin', durationMs: 3 * HOUR }),
      );

      expect(decision).toMatchObject({
        kind: 'require-approval',
        grantedDurationMs: 2 * HOUR,
        grantedDuration: 'PT2H',
        capped: true,
      });
    });

    it('uses the default maximum only as a maximum: a PT1H request stays PT1H', () => {
      const request = aRequest({ resource: 'db:payments', durationMs: HOUR });

      const decision = evaluateAccessRequest(POLICIES, request);

      expect(decision).toMatchObject({
        kind: 'require-approval',
        grantedDurationMs: HOUR,
        grantedDuration: 'PT1H',
        capped: false,
      });
    });

    it('refuses more than the default maximum when the role sets none', () => {
      const decision = evaluateAccessRequest(
        POLICIES,
        aRequest({ resource: 'db:payments', durationMs: 13 * HOUR }),
      );

      expect(decision).toMatchObject({
        reason: 'duration-exceeds-maximum',
        maximumDuration: 'PT12H',
      });
    });

    it('grants the requested duration exactly, in canonical form', () => {
      const decision = evaluateAccessRequest(POLICIES, aRequest({ durationMs: 90 * MINUTE }));

      expect(decision).toMatchObject({
        grantedDurationMs: 90 * MINUTE,
        grantedDuration: 'PT1H30M',
        capped: false,
      });
    });
  });

  describe('start', () => {
    it('accepts a start up to a minute in the past', () => {
      const startAt = new Date(NOW.getTime() - 60_000);

      expect(evaluateAccessRequest(POLICIES, aRequest({ startAt })).kind).toBe('require-approval');
    });

    it('refuses a start more than a minute in the past', () => {
      const startAt = new Date(NOW.getTime() - 60_001);

      const decision = evaluateAccessRequest(POLICIES, aRequest({ startAt }));

      expect(decision).toMatchObject({ kind: 'refuse', reason: 'start-in-the-past' });
    });

    it('accepts a start exactly as far ahead as allowed', () => {
      const startAt = new Date(NOW.getTime() + 7 * 24 * HOUR);

      expect(evaluateAccessRequest(POLICIES, aRequest({ startAt })).kind).toBe('require-approval');
    });

    it('refuses a start further ahead than allowed', () => {
      const startAt = new Date(NOW.getTime() + 7 * 24 * HOUR + 1);

      const decision = evaluateAccessRequest(POLICIES, aRequest({ startAt }));

      expect(decision).toEqual({
        kind: 'refuse',
        reason: 'start-too-far-ahead',
        message: `requested start ${startAt.toISOString()} is more than P7D ahead`,
        maximumDuration: null,
        policyId: 'orders-db',
      });
    });
  });

  describe('automatic approval', () => {
    it('approves a short request from a rule group without approvers', () => {
      const decision = evaluateAccessRequest(
        POLICIES,
        aRequest({ requester: aPrincipal('u-3', 'sre'), durationMs: 30 * MINUTE }),
      );

      expect(decision).toEqual({
        kind: 'auto-approve',
        policyId: 'orders-db',
        rule: 'sre-short-read',
        grantedDurationMs: 30 * MINUTE,
        grantedDuration: 'PT30M',
        capped: false,
      });
    });

    it('sends a request longer than the rule allows to approvers', () => {
      const decision = evaluateAccessRequest(
        POLICIES,
        aRequest({ requester: aPrincipal('u-3', 'sre'), durationMs: 2 * HOUR }),
      );

      expect(decision.kind).toBe('require-approval');
    });

    it('sends a request to approvers when the rule needs a ticket and there is none', () => {
      const decision = evaluateAccessRequest(
        POLICIES,
        aRequest({ requester: aPrincipal('u-4', 'dba'), ticket: null }),
      );

      expect(decision.kind).toBe('require-approval');
    });

    it('approves a ticketed request when the rule needs a ticket', () => {
      const decision = evaluateAccessRequest(
        POLICIES,
        aRequest({ requester: aPrincipal('u-4', 'dba'), ticket: 'OPS-1234' }),
      );

      expect(decision).toMatchObject({ kind: 'auto-approve', rule: 'dba-ticketed-read' });
    });

    it('does not count a blank ticket as a ticket', () => {
      const decision = evaluateAccessRequest(
        POLICIES,
        aRequest({ requester: aPrincipal('u-4', 'dba'), ticket: '  ' }),
      );

      expect(decision.kind).toBe('require-approval');
    });

    it('uses the first rule that matches', () => {
      const decision = evaluateAccessRequest(
        POLICIES,
        aRequest({ requester: aPrincipal('u-5', 'sre', 'dba'), ticket: 'OPS-1', durationMs: HOUR }),
      );

      expect(decision).toMatchObject({ kind: 'auto-approve', rule: 'sre-short-read' });
    });

    it('does not approve a requester merely because they are the only possible approver', () => {
      const decision = evaluateAccessRequest(
        POLICIES,
        aRequest({ resource: 'db:payments', requester: aPrincipal('u-6', 'engineering', 'dba') }),
      );

      expect(decision.kind).toBe('require-approval');
    });
  });

  describe('approval by people', () => {
    it('asks the approver groups for N approvals within the decision timeout', () => {
      const decision = evaluateAccessRequest(
        POLICIES,
        aRequest({ requester: aPrincipal('u-2', 'dba'), role: 'db-admin', durationMs: HOUR }),
      );

      expect(decision).toEqual({
        kind: 'require-approval',
        policyId: 'orders-db',
        approverGroups: ['dba', 'security-leads'],
        approvalsRequired: 2,
        decisionTimeoutMs: 24 * HOUR,
        grantedDurationMs: HOUR,
        grantedDuration: 'PT1H',
        capped: false,
      });
    });
  });
});
