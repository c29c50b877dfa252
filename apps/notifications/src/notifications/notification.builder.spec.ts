import { DomainEvent } from '@app/contracts';
import {
  aGrantExpired,
  aGrantIssued,
  anAccessRequestRefused,
  anAccessRevoked,
  anApprovalRecorded,
  anApprovalRequested,
  aRequestDenied,
  aRequestExpired,
} from '../testing/access-event.builders';
import { buildNotification, isNotifiableEventType, Notification } from './notification.builder';

const REQUEST_ID = '5b0c8a3e-0d4c-4f0e-9a8e-3c1f2a7d9e01';
const GRANT_ID = '9a4f1c2d-7b3e-4e5a-8c6d-1f2e3a4b5c6d';

function notificationOf(event: DomainEvent): Notification {
  const notification = buildNotification(event);
  if (!notification) throw new Error(`expected a notification for ${event.type}`);
  return notification;
}

describe(buildNotification.name, () => {
  it('tells approvers who asked for what, for how long, why, and by when they must decide', () => {
    const event = anApprovalRequested({
      requestId: REQUEST_ID,
      requester: { id: 'u-101', groups: ['engineering'] },
      approverGroups: ['dba', 'security-leads'],
      approvalsRequired: 2,
      ticket: 'T-77',
    });

    const { summary, context } = notificationOf(event);

    expect(summary).toBe(
      'u-101 requests db-admin on db:orders-prod for PT2H (ticket T-77): 2 approvals needed ' +
        'from dba or security-leads by 2026-12-03T14:00:00.000Z',
    );
    expect(context).toMatchObject({
      kind: 'approval-needed',
      requestId: REQUEST_ID,
      requester: { id: 'u-101', groups: ['engineering'] },
      resource: 'db:orders-prod',
      role: 'db-admin',
      duration: 'PT2H',
      justification: event.data.justification,
      ticket: 'T-77',
      approval: {
        approverGroups: ['dba', 'security-leads'],
        approvalsRequired: 2,
        decideBy: '2026-12-03T14:00:00.000Z',
      },
      policyId: 'orders-db-admin',
    });
  });

  it('links an approval request to where it can be approved or denied', () => {
    const { context } = notificationOf(anApprovalRequested({ requestId: REQUEST_ID }));

    expect(context.links).toMatchObject({
      request: { service: 'requests', method: 'GET', path: `/access-requests/${REQUEST_ID}` },
      approve: {
        service: 'approvals',
        method: 'POST',
        path: `/access-requests/${REQUEST_ID}/approve`,
      },
      deny: { service: 'approvals', method: 'POST', path: `/access-requests/${REQUEST_ID}/deny` },
      audit: { service: 'ledger', method: 'GET', path: `/audit?requestId=${REQUEST_ID}` },
    });
  });

  it('leaves the ticket out of the summary when the request has none', () => {
    const { summary } = notificationOf(anApprovalRequested({ ticket: null, approvalsRequired: 1 }));

    expect(summary).not.toContain('ticket');
    expect(summary).toContain('1 approval needed');
  });

  it('states the exact window and the approvers of an issued grant', () => {
    const event = aGrantIssued({ requestId: REQUEST_ID, grantId: GRANT_ID, approvers: ['u-202'] });

    const { summary, context } = notificationOf(event);

    expect(summary).toBe(
      'u-101 has db-admin on db:orders-prod from 2026-12-03T10:05:00.000Z until ' +
        '2026-12-03T12:05:00.000Z (approved by u-202)',
    );
    expect(context).toMatchObject({
      kind: 'access-granted',
      requestId: REQUEST_ID,
      grantId: GRANT_ID,
      window: {
        startsAt: '2026-12-03T10:05:00.000Z',
        endsAt: '2026-12-03T12:05:00.000Z',
        duration: 'PT2H',
      },
      approvers: ['u-202'],
      automatic: false,
    });
    expect(context.links['currentGrants']).toEqual({
      service: 'ledger',
      method: 'GET',
      path: '/grants?subject=u-101&resource=db%3Aorders-prod',
    });
  });

  it('says when a grant was approved automatically and when its duration was capped', () => {
    const event = aGrantIssued({
      automatic: true,
      approvers: [],
      capped: true,
      duration: 'PT1H',
      requestedDuration: 'PT4H',
    });

    const { summary, context } = notificationOf(event);

    expect(summary).toContain('approved automatically by policy orders-db-admin');
    expect(summary).toContain('capped to PT1H of PT4H asked');
    expect(context).toMatchObject({ automatic: true, capped: true, requestedDuration: 'PT4H' });
  });

  it('names who denied a request and why', () => {
    const { summary, context } = notificationOf(
      aRequestDenied({ requestId: REQUEST_ID, deniedBy: 'u-203', comment: 'not during a freeze' }),
    );

    expect(summary).toBe(`Request ${REQUEST_ID} was denied by u-203: "not during a freeze"`);
    expect(context).toMatchObject({ kind: 'request-denied', deniedBy: 'u-203' });
  });

  it('reports a request nobody decided in time', () => {
    const { summary, context } = notificationOf(aRequestExpired({ requestId: REQUEST_ID }));

    expect(summary).toContain('expired undecided');
    expect(context).toMatchObject({
      kind: 'request-expired',
      requestId: REQUEST_ID,
      decideBy: '2026-12-03T14:00:00.000Z',
      expiredAt: '2026-12-03T14:00:01.000Z',
    });
  });

  it('gives the refusal reason and the maximum a refused request could have asked for', () => {
    const { summary, context } = notificationOf(anAccessRequestRefused({ requestId: REQUEST_ID }));

    expect(summary).toContain('was refused (duration-exceeds-maximum)');
    expect(context).toMatchObject({
      kind: 'request-refused',
      requester: { id: 'u-102' },
      reason: 'duration-exceeds-maximum',
      maximumDuration: 'PT4H',
    });
  });

  it('says whether access stays after a grant ends', () => {
    const alone = notificationOf(aGrantExpired({ coveringGrantIds: [] }));
    const covered = notificationOf(aGrantExpired({ coveringGrantIds: [GRANT_ID] }));

    expect(alone.summary).toContain('access is being revoked');
    expect(alone.context).toMatchObject({ kind: 'grant-expired', accessRemains: false });
    expect(covered.summary).toContain('access stays through 1 other grant(s)');
    expect(covered.context).toMatchObject({ accessRemains: true, coveringGrantIds: [GRANT_ID] });
  });

  it('reports a revocation with the subject, the access and the last grant', () => {
    const event = anAccessRevoked({ requestId: REQUEST_ID, lastGrantId: GRANT_ID });

    const { summary, context } = notificationOf(event);

    expect(summary).toBe(
      "u-101's db-admin access on db:orders-prod was revoked at 2026-12-03T12:05:00.000Z (expired)",
    );
    expect(context).toMatchObject({
      kind: 'access-revoked',
      lastGrantId: GRANT_ID,
      requestId: REQUEST_ID,
    });
  });

  it('ignores events nobody has to be told about', () => {
    expect(buildNotification(anApprovalRecorded())).toBeNull();
    expect(isNotifiableEventType('ApprovalRecorded')).toBe(false);
    expect(isNotifiableEventType('GrantIssued')).toBe(true);
  });
});
