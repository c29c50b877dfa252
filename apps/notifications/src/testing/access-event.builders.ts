import { eventBuilders, PayloadDefaults } from '@app/contracts/testing';

// The shared event builders, telling the story the notification tests describe: a two-hour
// db-admin grant from 10:05, under policy orders-db-admin, that had to be decided by 14:00.

const SAMPLE_TIME = '2026-12-03T10:00:00.000Z';
const DECIDE_BY = '2026-12-03T14:00:00.000Z';
const GRANT_ENDS = '2026-12-03T12:05:00.000Z';

const NOTIFICATION_DEFAULTS: PayloadDefaults = {
  ApprovalRequested: { duration: 'PT2H', decideBy: DECIDE_BY, policyId: 'orders-db-admin' },
  ApprovalRecorded: { recordedAt: '2026-12-03T10:06:00.000Z' },
  RequestDenied: { deniedAt: '2026-12-03T10:07:00.000Z' },
  RequestExpired: { decideBy: DECIDE_BY, expiredAt: '2026-12-03T14:00:01.000Z' },
  AccessRequestRefused: {
    requester: { id: 'u-102', groups: ['engineering'] },
    duration: 'PT12H',
    message: 'db-admin on db:orders-prod is granted for at most PT4H',
    maximumDuration: 'PT4H',
  },
  GrantIssued: {
    startsAt: '2026-12-03T10:05:00.000Z',
    endsAt: GRANT_ENDS,
    duration: 'PT2H',
    requestedDuration: 'PT2H',
    policyId: 'orders-db-admin',
  },
  GrantExpired: { endedAt: GRANT_ENDS },
  AccessRevoked: { revokedAt: GRANT_ENDS },
};

export const {
  anApprovalRequested,
  anApprovalRecorded,
  aRequestDenied,
  aRequestExpired,
  anAccessRequestRefused,
  aGrantIssued,
  aGrantExpired,
  anAccessRevoked,
} = eventBuilders(NOTIFICATION_DEFAULTS, { time: SAMPLE_TIME });
