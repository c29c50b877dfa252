import { createEvent, DomainEvent, EventPayloads, EventType, ServiceName } from '@app/contracts';
import { evolveRequestView, RequestView } from './request-view';

const requestId = '3b0f7a52-64c1-4e8e-9d55-2f0c1b7e9a11';
const grantId = '8c2d4e6f-1a3b-4c5d-8e7f-9a0b1c2d3e4f';
const requester = { id: 'u-101', groups: ['sre'] };

function at(minutes: number): string {
  return new Date(Date.UTC(2026, 11, 3, 10, minutes)).toISOString();
}

function anEvent<K extends EventType>(
  type: K,
  data: EventPayloads[K],
  minutes: number,
  source: ServiceName = 'approvals',
): DomainEvent {
  return createEvent(type, data, {
    source,
    time: new Date(at(minutes)),
    partitionKey: requestId,
    correlationId: requestId,
    causationId: null,
  }) as DomainEvent;
}

function accessRequested(overrides: Partial<EventPayloads['AccessRequested']> = {}): DomainEvent {
  return anEvent(
    'AccessRequested',
    {
      requestId,
      requester,
      resource: 'db:orders-prod',
      role: 'read-only',
      duration: 'PT90M',
      justification: 'Investigate the failed reconciliation',
      ticket: 'INC-4821',
      startAt: null,
      channel: 'http',
      submittedAt: at(0),
      ...overrides,
    },
    0,
    'requests',
  );
}

function approvalRequested(minutes = 1): DomainEvent {
  return anEvent(
    'ApprovalRequested',
    {
      requestId,
      requester,
      resource: 'db:orders-prod',
      role: 'read-only',
      duration: 'PT90M',
      justification: 'Investigate the failed reconciliation',
      ticket: 'INC-4821',
      approverGroups: ['dba'],
      approvalsRequired: 1,
      decideBy: at(60 * 24),
      policyId: 'orders-prod',
    },
    minutes,
  );
}

function approvalRecorded(approver: string, minutes: number): DomainEvent {
  return anEvent(
    'ApprovalRecorded',
    {
      requestId,
      approver,
      comment: `ok from ${approver}`,
      approvalsCount: 1,
      approvalsRequired: 1,
      recordedAt: at(minutes),
    },
    minutes,
  );
}

function requestApproved(minutes = 2): DomainEvent {
  return anEvent(
    'RequestApproved',
    {
      requestId,
      approvers: ['u-202'],
      automatic: false,
      policyId: 'orders-prod',
      approvedAt: at(minutes),
    },
    minutes,
  );
}

function requestDenied(minutes = 2): DomainEvent {
  return anEvent(
    'RequestDenied',
    { requestId, deniedBy: 'u-203', comment: 'use the replica', deniedAt: at(minutes) },
    minutes,
  );
}

function requestExpired(minutes = 5): DomainEvent {
  return anEvent(
    'RequestExpired',
    { requestId, decideBy: at(minutes), expiredAt: at(minutes) },
    minutes,
  );
}

function grantIssued(minutes = 3): DomainEvent {
  return anEvent(
    'GrantIssued',
    {
      grantId,
      requestId,
      subject: requester.id,
      resource: 'db:orders-prod',
      role: 'read-only',
      startsAt: at(minutes),
      endsAt: at(minutes + 90),
      duration: 'PT1H30M',
      requestedDuration: 'PT90M',
      capped: false,
      approvers: ['u-202'],
      automatic: false,
      policyId: 'orders-prod',
    },
    minutes,
  );
}

function grantExpired(minutes = 93): DomainEvent {
  return anEvent(
    'GrantExpired',
    {
      grantId,
      requestId,
      subject: requester.id,
      resource: 'db:orders-prod',
      role: 'read-only',
      endedAt: at(minutes),
      coveringGrantIds: [],
    },
    minutes,
    'expiry',
  );
}

function refusedBy(source: ServiceName, minutes = 1): DomainEvent {
  return anEvent(
    'AccessRequestRefused',
    {
      requestId,
      requester,
      resource: 'db:orders-prod',
      role: 'read-only',
      duration: 'PT90M',
      reason: 'not-eligible',
      message: 'u-101 may not request read-only on db:orders-prod',
      maximumDuration: null,
      policyId: 'orders-prod',
    },
    minutes,
    source,
  );
}

function given(...events: DomainEvent[]): RequestView | null {
  return events.reduce<RequestView | null>((view, event) => evolveRequestView(view, event), null);
}

describe(evolveRequestView.name, () => {
  it('starts a submitted view from AccessRequested, keeping the duration as requested', () => {
    const view = given(accessRequested());

    expect(view).toMatchObject({
      requestId,
      status: 'submitted',
      requester,
      duration: 'PT90M',
      channel: 'http',
      submittedAt: at(0),
      approvals: [],
      updatedAt: at(0),
    });
  });

  it('has no view for a request it never saw submitted', () => {
    const view = given(approvalRequested(), grantIssued());

    expect(view).toBeNull();
  });

  it('waits for approval once approval is requested', () => {
    const view = given(accessRequested());

    const next = evolveRequestView(view, approvalRequested());

    expect(next).toMatchObject({
      status: 'pending-approval',
      approval: {
        approverGroups: ['dba'],
        approvalsRequired: 1,
        decideBy: at(60 * 24),
        policyId: 'orders-prod',
      },
      updatedAt: at(1),
    });
  });

  it('records each approver once, in order', () => {
    const view = given(accessRequested(), approvalRequested(), approvalRecorded('u-202', 2));

    const next = evolveRequestView(
      evolveRequestView(view, approvalRecorded('u-204', 3)),
      approvalRecorded('u-202', 4),
    );

    expect(next?.approvals).toEqual([
      { approver: 'u-202', comment: 'ok from u-202', at: at(2) },
      { approver: 'u-204', comment: 'ok from u-204', at: at(3) },
    ]);
  });

  it('records the approval decision', () => {
    const view = given(accessRequested(), approvalRequested());

    const next = evolveRequestView(view, requestApproved());

    expect(next).toMatchObject({
      status: 'approved',
      decision: {
        outcome: 'approved',
        by: ['u-202'],
        at: at(2),
        comment: null,
        automatic: false,
      },
    });
  });

  it('shows the grant with its exact window once it is issued', () => {
    const view = given(accessRequested(), approvalRequested(), requestApproved());

    const next = evolveRequestView(view, grantIssued());

    expect(next).toMatchObject({
      status: 'granted',
      grant: {
        grantId,
        startsAt: at(3),
        endsAt: at(93),
        duration: 'PT1H30M',
        capped: false,
        endedAt: null,
      },
      updatedAt: at(3),
    });
  });

  it('ends when the grant expires', () => {
    const view = given(accessRequested(), requestApproved(), grantIssued());

    const next = evolveRequestView(view, grantExpired());

    expect(next).toMatchObject({ status: 'ended', grant: { grantId, endedAt: at(93) } });
  });

  it('records a denial with who denied it and why', () => {
    const view = given(accessRequested(), approvalRequested());

    const next = evolveRequestView(view, requestDenied());

    expect(next).toMatchObject({
      status: 'denied',
      decision: {
        outcome: 'denied',
        by: ['u-203'],
        at: at(2),
        comment: 'use the replica',
        automatic: false,
      },
    });
  });

  it('expires a request nobody decided in time', () => {
    const view = given(accessRequested(), approvalRequested());

    const next = evolveRequestView(view, requestExpired());

    expect(next).toMatchObject({
      status: 'expired',
      decision: { outcome: 'expired', by: [], automatic: true },
    });
  });

  it('records a refusal by another service with its reason and source', () => {
    const view = given(accessRequested());

    const next = evolveRequestView(view, refusedBy('approvals'));

    expect(next).toMatchObject({
      status: 'refused',
      refusal: {
        reason: 'not-eligible',
        policyId: 'orders-prod',
        maximumDuration: null,
        refusedBy: 'approvals',
      },
    });
  });

  describe('late and repeated events', () => {
    it('does not move granted back to approved when RequestApproved arrives after the grant', () => {
      const view = given(accessRequested(), approvalRequested(), grantIssued());

      const next = evolveRequestView(view, requestApproved());

      expect(next?.status).toBe('granted');
      expect(next?.decision).toMatchObject({ outcome: 'approved', by: ['u-202'] });
    });

    it('does not move pending-approval back when ApprovalRequested arrives again', () => {
      const view = given(accessRequested(), approvalRequested(), requestApproved());

      const next = evolveRequestView(view, approvalRequested(7));

      expect(next).toBe(view);
    });

    it.each([
      ['denied', [requestDenied()]],
      ['expired', [requestExpired()]],
      ['refused', [refusedBy('approvals')]],
      ['ended', [requestApproved(), grantIssued(), grantExpired()]],
    ])('keeps the final state %s whatever arrives after it', (status, finalEvents) => {
      const view = given(accessRequested(), approvalRequested(), ...finalEvents);

      const next = [
        requestApproved(100),
        grantIssued(101),
        requestDenied(102),
        requestExpired(103),
        refusedBy('approvals', 104),
      ].reduce<RequestView | null>((current, event) => evolveRequestView(current, event), view);

      expect(next?.status).toBe(status);
      expect(next?.decision).toEqual(view?.decision);
      expect(next?.grant).toEqual(view?.grant);
    });

    it('does not grant a request that was denied', () => {
      const view = given(accessRequested(), requestDenied());

      const next = evolveRequestView(view, grantIssued());

      expect(next).toBe(view);
    });

    it('keeps the first decision when a second one arrives', () => {
      const view = given(accessRequested(), approvalRequested(), requestApproved());

      const next = evolveRequestView(view, requestDenied(9));

      expect(next).toBe(view);
    });

    it('leaves the view and its updatedAt alone for an event that changes nothing', () => {
      const view = given(accessRequested(), approvalRequested());

      const next = evolveRequestView(view, approvalRequested(30));

      expect(next).toBe(view);
      expect(next?.updatedAt).toBe(at(1));
    });

    it('gives the same state when the same events are replayed twice', () => {
      const lifecycle = [
        accessRequested(),
        approvalRequested(),
        approvalRecorded('u-202', 2),
        requestApproved(),
        grantIssued(),
        grantExpired(),
      ];

      const once = given(...lifecycle);
      const twice = given(...lifecycle, ...lifecycle);

      expect(twice).toEqual(once);
      expect(once?.status).toBe('ended');
    });

    it('gives the same state when each event is delivered twice in a row', () => {
      const lifecycle = [accessRequested(), approvalRequested(), requestDenied()];

      const once = given(...lifecycle);
      const doubled = given(...lifecycle.flatMap((event) => [event, event]));

      expect(doubled).toEqual(once);
    });
  });

  it('ignores events that do not concern the request view', () => {
    const view = given(accessRequested());

    const next = evolveRequestView(
      view,
      anEvent('RequestDeadlinePassed', { requestId, decideBy: at(5) }, 5, 'expiry'),
    );

    expect(next).toBe(view);
  });
});
