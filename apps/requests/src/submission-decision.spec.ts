import { ACCEPTED_DURATION_FORM, parsePolicySet, PolicySet } from '@app/domain';
import { decideSubmission, SubmissionInput } from './submission-decision';

const POLICIES: PolicySet = parsePolicySet(
  `
version: 1
defaults:
  maxDuration: PT12H
  decisionTimeout: PT24H
  maxStartDelay: P7D
policies:
  - id: orders-prod
    resources: ['db:orders-prod']
    roles:
      read-only:
        requesters: { groups: [engineering] }
        approvers: { groups: [dba] }
        approvalsRequired: 1
        maxDuration: PT4H
      db-admin:
        requesters: { groups: [engineering] }
        approvers: { groups: [dba] }
        approvalsRequired: 2
        maxDuration: PT2H
        overMaximum: cap
`,
  'submission-test.yaml',
);

function aSubmission(overrides: Partial<SubmissionInput> = {}): SubmissionInput {
  return {
    requester: { id: 'u-1', groups: ['engineering'] },
    resource: 'db:orders-prod',
    role: 'read-only',
    duration: 'PT90M',
    ticket: null,
    startAt: null,
    now: new Date('2026-12-03T10:00:00.000Z'),
    ...overrides,
  };
}

describe(decideSubmission.name, () => {
  it('accepts a duration within the maximum', () => {
    const decision = decideSubmission(POLICIES, aSubmission());

    expect(decision).toMatchObject({
      kind: 'accept',
      policy: { kind: 'require-approval', policyId: 'orders-prod', grantedDuration: 'PT1H30M' },
    });
  });

  it.each(['1h30m', '90', '1d', '-PT1H', 'PT0S', 'PT0.5S', 'P1M', ''])(
    'reports %j as an invalid duration, showing the accepted form',
    (duration) => {
      const decision = decideSubmission(POLICIES, aSubmission({ duration }));

      expect(decision).toEqual({
        kind: 'invalid-duration',
        reason: expect.stringContaining(ACCEPTED_DURATION_FORM),
      });
    },
  );

  it('never reads a bare number as minutes', () => {
    const decision = decideSubmission(POLICIES, aSubmission({ duration: '90' }));

    expect(decision).toMatchObject({
      reason: expect.stringContaining('a bare number is not read as minutes'),
    });
  });

  it('refuses more than the maximum and names the maximum', () => {
    const decision = decideSubmission(POLICIES, aSubmission({ duration: 'PT5H' }));

    expect(decision).toEqual({
      kind: 'refuse',
      refusal: {
        reason: 'duration-exceeds-maximum',
        message: 'requested PT5H exceeds the maximum PT4H for read-only on db:orders-prod',
        maximumDuration: 'PT4H',
        policyId: 'orders-prod',
      },
    });
  });

  it('refuses a duration longer than any policy allows as exceeding the maximum', () => {
    const decision = decideSubmission(POLICIES, aSubmission({ duration: 'P9999D' }));

    expect(decision).toEqual({
      kind: 'refuse',
      refusal: {
        reason: 'duration-exceeds-maximum',
        message: 'requested P9999D exceeds the maximum PT4H for read-only on db:orders-prod',
        maximumDuration: 'PT4H',
        policyId: 'orders-prod',
      },
    });
  });

  it('refuses a duration longer than any policy allows even where the role caps', () => {
    const decision = decideSubmission(
      POLICIES,
      aSubmission({ role: 'db-admin', duration: 'P9999D' }),
    );

    expect(decision).toMatchObject({
      kind: 'refuse',
      refusal: { reason: 'duration-exceeds-maximum', maximumDuration: 'PT2H' },
    });
  });

  it('lets a capping role accept a request over its maximum', () => {
    const decision = decideSubmission(
      POLICIES,
      aSubmission({ role: 'db-admin', duration: 'PT3H' }),
    );

    expect(decision).toMatchObject({
      kind: 'accept',
      policy: { grantedDuration: 'PT2H', capped: true },
    });
  });

  it('keeps the policy reason when a long request is refused for something else', () => {
    const decision = decideSubmission(
      POLICIES,
      aSubmission({ duration: 'P9999D', requester: { id: 'u-9', groups: ['marketing'] } }),
    );

    expect(decision).toMatchObject({ kind: 'refuse', refusal: { reason: 'not-eligible' } });
  });

  it('refuses a resource no policy covers', () => {
    const decision = decideSubmission(POLICIES, aSubmission({ resource: 'console:gcp' }));

    expect(decision).toMatchObject({
      kind: 'refuse',
      refusal: { reason: 'no-matching-policy', policyId: null },
    });
  });
});
