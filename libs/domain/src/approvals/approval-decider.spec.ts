import { EventPayloads, Principal } from '@app/contracts';
import {
  ApprovalCommand,
  ApprovalErrorHttpStatus,
  ApprovalOutcome,
  ApprovalState,
  computeGrantWindow,
  decideApproval,
  evolveApproval,
  startApproval,
} from './approval-decider';

const REQUEST_ID = '7c1d3b0e-8f2a-4c55-9a51-2f0f7e2b6a10';
const NOW = new Date('2026-12-03T10:00:00.000Z');
const LATER = new Date('2026-12-03T10:05:00.000Z');

const requester: Principal = { id: 'u-requester', groups: ['dba', 'engineering'] };
const alice: Principal = { id: 'u-alice', groups: ['dba'] };
const bob: Principal = { id: 'u-bob', groups: ['security-leads'] };
const outsider: Principal = { id: 'u-eve', groups: ['marketing'] };

function anApprovalRequest(
  overrides: Partial<EventPayloads['ApprovalRequested']> = {},
): EventPayloads['ApprovalRequested'] {
  return {
    requestId: REQUEST_ID,
    requester,
    resource: 'db:orders-prod',
    role: 'db-admin',
    duration: 'PT1H',
    justification: 'restore a dropped index',
    ticket: null,
    approverGroups: ['dba', 'security-leads'],
    approvalsRequired: 1,
    decideBy: '2026-12-04T10:00:00.000Z',
    policyId: 'orders-db',
    ...overrides,
  };
}

function approve(approver: Principal, comment: string | null = null): ApprovalCommand {
  return { kind: 'approve', approver, comment };
}

function deny(approver: Principal, comment: string | null = null): ApprovalCommand {
  return { kind: 'deny', approver, comment };
}

/** The state after a request was sent to its approvers and then these outcomes happened. */
function given(
  outcomes: ApprovalOutcome[],
  request: EventPayloads['ApprovalRequested'] = anApprovalRequest(),
): ApprovalState {
  return outcomes.reduce(evolveApproval, startApproval(request));
}

function eventsOf(state: ApprovalState, command: ApprovalCommand, now = NOW): ApprovalOutcome[] {
  const decision = decideApproval(state, command, now);
  if (!decision.ok) {
    throw new Error(`expected ${command.kind} to succeed, got ${decision.error.code}`);
  }
  return decision.events;
}

function recorded(approver: Principal, count: number, required: number, at = NOW): ApprovalOutcome {
  return {
    type: 'ApprovalRecorded',
    data: {
      requestId: REQUEST_ID,
      approver: approver.id,
      comment: null,
      approvalsCount: count,
      approvalsRequired: required,
      recordedAt: at.toISOString(),
    },
  };
}

describe(decideApproval.name, () => {
  describe('approving', () => {
    it('records the approval and approves the request once enough approvers agree', () => {
      // given
      const state = given([]);

      // when
      const decision = decideApproval(state, approve(alice, 'looks fine'), NOW);

      // then
      expect(decision).toEqual({
        ok: true,
        events: [
          {
            type: 'ApprovalRecorded',
            data: {
              requestId: REQUEST_ID,
              approver: 'u-alice',
              comment: 'looks fine',
              approvalsCount: 1,
              approvalsRequired: 1,
              recordedAt: '2026-12-03T10:00:00.000Z',
            },
          },
          {
            type: 'RequestApproved',
            data: {
              requestId: REQUEST_ID,
              approvers: ['u-alice'],
              automatic: false,
              policyId: 'orders-db',
              approvedAt: '2026-12-03T10:00:00.000Z',
            },
          },
        ],
      });
    });

    it('only records the approval while more approvers are needed', () => {
      const state = given([], anApprovalRequest({ approvalsRequired: 2 }));

      const events = eventsOf(state, approve(alice));

      expect(events).toEqual([recorded(alice, 1, 2)]);
    });

    it('refuses an approval by the requester', () => {
      const state = given([]);

      const decision = decideApproval(state, approve(requester), NOW);

      expect(decision).toEqual({
        ok: false,
        error: {
          code: 'self-approval',
          message: `u-requester requested ${REQUEST_ID} and cannot decide it`,
        },
      });
    });

    it('refuses an approval by the requester even though they are in an approver group', () => {
      const state = given([]);
      expect(state.approverGroups).toContain(requester.groups[0]);

      const decision = decideApproval(state, approve(requester), NOW);

      expect(decision).toMatchObject({ ok: false, error: { code: 'self-approval' } });
    });

    it('refuses an approval by someone in none of the approver groups', () => {
      const state = given([]);

      const decision = decideApproval(state, approve(outsider), NOW);

      expect(decision).toMatchObject({ ok: false, error: { code: 'not-an-approver' } });
    });

    it('does not count the same approver twice', () => {
      const state = given([recorded(alice, 1, 2)], anApprovalRequest({ approvalsRequired: 2 }));

      const decision = decideApproval(state, approve(alice), LATER);

      expect(decision).toMatchObject({ ok: false, error: { code: 'already-approved-by-you' } });
    });

    it('reaches a quorum of two only with two people other than the requester', () => {
      // given a request that needs two approvals
      let state = given([], anApprovalRequest({ approvalsRequired: 2 }));

      // when the requester tries to approve, then it is refused and nothing changes
      expect(decideApproval(state, approve(requester), NOW)).toMatchObject({
        ok: false,
        error: { code: 'self-approval' },
      });

      // when a first other person approves, then it is recorded but not yet approved
      const first = eventsOf(state, approve(alice));
      expect(first.map((event) => event.type)).toEqual(['ApprovalRecorded']);
      state = first.reduce(evolveApproval, state);
      expect(state.status).toBe('pending');

      // when a second other person approves, then the request is approved by both
      const second = eventsOf(state, approve(bob), LATER);
      expect(second).toEqual([
        recorded(bob, 2, 2, LATER),
        {
          type: 'RequestApproved',
          data: {
            requestId: REQUEST_ID,
            approvers: ['u-alice', 'u-bob'],
            automatic: false,
            policyId: 'orders-db',
            approvedAt: LATER.toISOString(),
          },
        },
      ]);
      expect(second.reduce(evolveApproval, state).status).toBe('approved');
    });
  });

  describe('denying', () => {
    it('denies the request at once', () => {
      const state = given([], anApprovalRequest({ approvalsRequired: 2 }));

      const events = eventsOf(state, deny(bob, 'no ticket'));

      expect(events).toEqual([
        {
          type: 'RequestDenied',
          data: {
            requestId: REQUEST_ID,
            deniedBy: 'u-bob',
            comment: 'no ticket',
            deniedAt: NOW.toISOString(),
          },
        },
      ]);
    });

    it('lets an approver deny after an earlier approval by someone else', () => {
      const state = given([recorded(alice, 1, 2)], anApprovalRequest({ approvalsRequired: 2 }));

      expect(eventsOf(state, deny(bob)).map((event) => event.type)).toEqual(['RequestDenied']);
    });

    it('refuses a denial by the requester', () => {
      const decision = decideApproval(given([]), deny(requester), NOW);

      expect(decision).toMatchObject({ ok: false, error: { code: 'self-approval' } });
    });

    it('refuses a denial by someone in none of the approver groups', () => {
      const decision = decideApproval(given([]), deny(outsider), NOW);

      expect(decision).toMatchObject({ ok: false, error: { code: 'not-an-approver' } });
    });
  });

  describe('a request that is already resolved', () => {
    it('refuses a denial that arrives after the approval, and the state stays approved', () => {
      // given two approvers acting at almost the same time; the approval was decided first
      const pending = given([]);
      const approvedState = eventsOf(pending, approve(alice)).reduce(evolveApproval, pending);

      // when the denial is decided against the state the approval left
      const decision = decideApproval(approvedState, deny(bob), LATER);

      // then it is refused and nothing changes
      expect(decision).toMatchObject({ ok: false, error: { code: 'already-resolved' } });
      expect(approvedState.status).toBe('approved');
      expect(approvedState.approvals).toEqual([{ approver: 'u-alice', at: NOW.toISOString() }]);
    });

    it.each([
      ['approved', () => [recorded(alice, 1, 1), approvedBy(alice)]],
      ['denied', () => [denialBy(bob)]],
      ['expired', () => [expiry()]],
    ])('refuses approve and deny once %s', (_status, outcomes) => {
      const state = given(outcomes());

      expect(decideApproval(state, approve(bob), LATER)).toMatchObject({
        ok: false,
        error: { code: 'already-resolved' },
      });
      expect(decideApproval(state, deny(alice), LATER)).toMatchObject({
        ok: false,
        error: { code: 'already-resolved' },
      });
    });

    it('refuses even the requester with already-resolved, not self-approval', () => {
      const state = given([denialBy(bob)]);

      expect(decideApproval(state, approve(requester), LATER)).toMatchObject({
        ok: false,
        error: { code: 'already-resolved' },
      });
    });

    it('treats an expiry of a resolved request as nothing to do', () => {
      const state = given([denialBy(bob)]);

      expect(decideApproval(state, { kind: 'expire' }, LATER)).toEqual({ ok: true, events: [] });
    });
  });

  describe('expiring', () => {
    it('expires a request nobody decided', () => {
      const state = given([recorded(alice, 1, 2)], anApprovalRequest({ approvalsRequired: 2 }));

      const events = eventsOf(state, { kind: 'expire' }, LATER);

      expect(events).toEqual([
        {
          type: 'RequestExpired',
          data: {
            requestId: REQUEST_ID,
            decideBy: '2026-12-04T10:00:00.000Z',
            expiredAt: LATER.toISOString(),
          },
        },
      ]);
      expect(events.reduce(evolveApproval, state).status).toBe('expired');
    });
  });
});

describe(evolveApproval.name, () => {
  it('rebuilds the state from the outcomes the decider emitted', () => {
    // given the outcomes of a whole two-approver conversation
    const request = anApprovalRequest({ approvalsRequired: 2 });
    let live = given([], request);
    const history: ApprovalOutcome[] = [];
    for (const [command, at] of [
      [approve(alice), NOW],
      [approve(bob), LATER],
    ] as const) {
      const events = eventsOf(live, command, at);
      history.push(...events);
      live = events.reduce(evolveApproval, live);
    }

    // when the state is rebuilt from them alone
    const rebuilt = given(history, request);

    // then it is the state the decider ended with
    expect(rebuilt).toEqual(live);
    expect(rebuilt).toEqual({
      requestId: REQUEST_ID,
      requester,
      approverGroups: ['dba', 'security-leads'],
      approvalsRequired: 2,
      status: 'approved',
      approvals: [
        { approver: 'u-alice', at: NOW.toISOString() },
        { approver: 'u-bob', at: LATER.toISOString() },
      ],
      decideBy: '2026-12-04T10:00:00.000Z',
      policyId: 'orders-db',
    });
  });

  it('gives the same state when the outcomes are replayed twice', () => {
    const history = [recorded(alice, 1, 2), recorded(bob, 2, 2), approvedBy(alice, bob)];
    const once = given(history);

    const twice = history.reduce(evolveApproval, once);

    expect(twice).toEqual(once);
  });

  it('does not change the state it was given', () => {
    const state = given([]);
    const snapshot = structuredClone(state);

    evolveApproval(state, recorded(alice, 1, 1));
    evolveApproval(state, approvedBy(alice));

    expect(state).toEqual(snapshot);
  });

  it.each([
    ['denied', denialBy(bob)],
    ['expired', expiry()],
  ] as const)('marks the request %s', (status, outcome) => {
    expect(evolveApproval(given([]), outcome).status).toBe(status);
  });
});

describe(computeGrantWindow.name, () => {
  const approvedAt = new Date('2026-12-03T10:00:00.000Z');

  it('starts at the approval when no start was requested', () => {
    const window = computeGrantWindow(approvedAt, null, 90 * 60_000);

    expect(window.startsAt.toISOString()).toBe('2026-12-03T10:00:00.000Z');
    expect(window.endsAt.toISOString()).toBe('2026-12-03T11:30:00.000Z');
  });

  it('starts at the requested start when that is later than the approval', () => {
    const window = computeGrantWindow(approvedAt, new Date('2026-12-04T08:00:00.000Z'), 3_600_000);

    expect(window.startsAt.toISOString()).toBe('2026-12-04T08:00:00.000Z');
    expect(window.endsAt.toISOString()).toBe('2026-12-04T09:00:00.000Z');
  });

  it('starts at the approval when the requested start has already passed', () => {
    const window = computeGrantWindow(approvedAt, new Date('2026-12-03T09:00:00.000Z'), 3_600_000);

    expect(window.startsAt.toISOString()).toBe('2026-12-03T10:00:00.000Z');
    expect(window.endsAt.toISOString()).toBe('2026-12-03T11:00:00.000Z');
  });

  it('lasts exactly the duration', () => {
    const window = computeGrantWindow(approvedAt, null, 86_400_000);

    expect(window.endsAt.getTime() - window.startsAt.getTime()).toBe(86_400_000);
  });
});

describe('ApprovalErrorHttpStatus', () => {
  it('maps refusals of who you are to 403 and conflicts with the state to 409', () => {
    expect(ApprovalErrorHttpStatus).toEqual({
      'self-approval': 403,
      'not-an-approver': 403,
      'already-resolved': 409,
      'already-approved-by-you': 409,
    });
  });
});

function approvedBy(...approvers: Principal[]): ApprovalOutcome {
  return {
    type: 'RequestApproved',
    data: {
      requestId: REQUEST_ID,
      approvers: approvers.map((approver) => approver.id),
      automatic: false,
      policyId: 'orders-db',
      approvedAt: NOW.toISOString(),
    },
  };
}

function denialBy(approver: Principal): ApprovalOutcome {
  return {
    type: 'RequestDenied',
    data: {
      requestId: REQUEST_ID,
      deniedBy: approver.id,
      comment: null,
      deniedAt: NOW.toISOString(),
    },
  };
}

function expiry(): ApprovalOutcome {
  return {
    type: 'RequestExpired',
    data: {
      requestId: REQUEST_ID,
      decideBy: '2026-12-04T10:00:00.000Z',
      expiredAt: '2026-12-04T10:00:01.000Z',
    },
  };
}
