import { Principal } from '@app/contracts';
import {
  comparableText,
  decideOptOut,
  evolveOptOut,
  OptOutCommand,
  OptOutDecision,
  OptOutOutcome,
  OptOutErrorHttpStatus,
  OptOutRequestInput,
  OptOutState,
  requestOptOut,
} from './opt-out-decider';
import { evaluateOptOut, OptOutEligibilityInput, OptOutTerms } from './opt-out-eligibility';
import {
  aBreakGlass,
  aLegacyExemption,
  aStandingException,
  DAY_MS,
  HOUR_MS,
  mainframeOperator,
  NOW,
  OPT_OUT_POLICIES,
  securityLead,
  seniorDba,
} from './testing/opt-out-policies';

const OPT_OUT_ID = '6b1f3c2e-9a4d-4e8b-8c11-2f5e7d9a0b13';
const ROLES = { securityLeadGroups: ['security-leads'], usageReporterGroups: ['pam-gateway'] };
const LATER = new Date(NOW.getTime() + HOUR_MS);
const otherLead: Principal = { id: 'u-191', groups: ['security-leads'] };

function given(input: OptOutEligibilityInput, duration = 'PT2H'): OptOutState {
  return requested(input, duration).state;
}

function requested(input: OptOutEligibilityInput, duration = 'PT2H') {
  const request: OptOutRequestInput = {
    optOutId: OPT_OUT_ID,
    kind: input.kind,
    requester: input.requester,
    resource: input.resource,
    role: input.role,
    duration,
    justification: 'replica lag on orders',
    incident: input.incident,
    ticket: input.ticket,
    owner: input.owner,
    compensatingControls: input.compensatingControls,
    correlationId: OPT_OUT_ID,
    now: input.now,
  };
  return requestOptOut(request, evaluateOptOut(OPT_OUT_POLICIES, input));
}

function when(state: OptOutState, command: OptOutCommand, now = LATER): OptOutDecision {
  return decideOptOut(state, command, ROLES, now);
}

function eventsOf(decision: OptOutDecision): OptOutOutcome[] {
  if (!decision.ok) throw new Error(`expected events, got ${decision.error.code}`);
  return decision.events;
}

function then(state: OptOutState, decision: OptOutDecision): OptOutState {
  return eventsOf(decision).reduce(evolveOptOut, state);
}

function activeStandingException(): OptOutState {
  const pending = given(aStandingException(), 'P14D');
  return then(
    pending,
    when(pending, { kind: 'approve', approver: securityLead, comment: 'ok' }, NOW),
  );
}

const review = (
  reviewer: Principal,
  suspended = false,
  otherOverdueReviews = 0,
): OptOutCommand => ({
  kind: 'review',
  reviewer,
  outcome: 'justified',
  notes: 'incident INC-9001 confirmed',
  subject: { suspended, otherOverdueReviews },
});

describe(requestOptOut.name, () => {
  it('records a refusal after the request, naming the rule', () => {
    const { state, events } = requested(aBreakGlass({ incident: null }));

    expect(events.map((event) => event.type)).toEqual(['OptOutRequested', 'OptOutRefused']);
    expect(events[1]?.data).toMatchObject({
      reason: 'incident-required',
      rule: 'prod-break-glass.incident',
    });
    expect(events[0]?.data).toMatchObject({ ruleId: 'prod-break-glass', maximumDuration: 'PT4H' });
    expect(state.status).toBe('refused');
  });

  it('activates break-glass at once, with its review deadline', () => {
    const { state, events } = requested(aBreakGlass({ durationMs: 2 * HOUR_MS }));

    expect(events.map((event) => event.type)).toEqual(['OptOutRequested', 'OptOutActivated']);
    expect(events[1]?.data).toMatchObject({
      startsAt: NOW.toISOString(),
      endsAt: new Date(NOW.getTime() + 2 * HOUR_MS).toISOString(),
      reviewBy: new Date(NOW.getTime() + 2 * HOUR_MS + 2 * DAY_MS).toISOString(),
      approvers: [],
      incident: 'INC-9001',
    });
    expect(state).toMatchObject({ status: 'active', review: { status: 'due' } });
  });

  it('leaves a standing exception pending, asking for its approval', () => {
    const { state, events } = requested(aStandingException(), 'P14D');

    expect(events.map((event) => event.type)).toEqual(['OptOutRequested']);
    expect(events[0]?.data).toMatchObject({
      approval: { approverGroups: ['security-leads'], approvalsRequired: 1 },
    });
    expect(state.status).toBe('pending');
  });
});

describe(decideOptOut.name, () => {
  describe('approving a standing exception', () => {
    it('activates it from the approval for exactly the requested duration', () => {
      const pending = given(aStandingException({ durationMs: 14 * DAY_MS }), 'P14D');

      const events = eventsOf(
        when(pending, { kind: 'approve', approver: securityLead, comment: null }),
      );

      expect(events.map((event) => event.type)).toEqual([
        'OptOutApprovalRecorded',
        'OptOutActivated',
      ]);
      expect(events[1]?.data).toMatchObject({
        startsAt: LATER.toISOString(),
        endsAt: new Date(LATER.getTime() + 14 * DAY_MS).toISOString(),
        lapseAfterUnused: 'P7D',
        approvers: ['u-190'],
      });
    });

    it('refuses the requester, even when in an approver group', () => {
      const requester = { ...seniorDba, groups: ['dba', 'security-leads'] };
      const pending = given(aStandingException({ requester }), 'P14D');

      const decision = when(pending, { kind: 'approve', approver: requester, comment: null });

      expect(decision).toMatchObject({ ok: false, error: { code: 'self-approval' } });
    });

    it('refuses someone outside the approver groups', () => {
      const pending = given(aStandingException(), 'P14D');

      const decision = when(pending, {
        kind: 'approve',
        approver: { id: 'u-7', groups: ['dba'] },
        comment: null,
      });

      expect(decision).toMatchObject({ ok: false, error: { code: 'not-an-approver' } });
    });

    it('refuses a decision on one that is no longer pending', () => {
      const active = activeStandingException();

      const decision = when(active, { kind: 'deny', approver: otherLead, comment: null });

      expect(decision).toMatchObject({ ok: false, error: { code: 'not-pending' } });
    });

    it('denies it', () => {
      const pending = given(aStandingException(), 'P14D');

      const state = then(
        pending,
        when(pending, { kind: 'deny', approver: securityLead, comment: 'no' }),
      );

      expect(state).toMatchObject({
        status: 'denied',
        denial: { deniedBy: 'u-190', comment: 'no' },
      });
    });
  });

  describe('renewing', () => {
    it('moves the end to now plus the new duration, with the attestation', () => {
      const active = activeStandingException();

      const events = eventsOf(
        when(active, {
          kind: 'renew',
          by: seniorDba,
          durationMs: 20 * DAY_MS,
          attestation: 'still needed',
        }),
      );

      expect(events).toEqual([
        {
          type: 'OptOutRenewed',
          data: expect.objectContaining({
            renewedBy: 'u-302',
            attestation: 'still needed',
            previousEndsAt: new Date(NOW.getTime() + 14 * DAY_MS).toISOString(),
            endsAt: new Date(LATER.getTime() + 20 * DAY_MS).toISOString(),
            duration: 'P20D',
            recertifyBy: null,
          }),
        },
      ]);
    });

    it('refuses more than the maximum, naming it', () => {
      const decision = when(activeStandingException(), {
        kind: 'renew',
        by: seniorDba,
        durationMs: 31 * DAY_MS,
        attestation: 'x',
      });

      expect(decision).toMatchObject({
        ok: false,
        error: {
          code: 'duration-exceeds-maximum',
          rule: 'replication-debugging.maxDuration',
          maximumDuration: 'P30D',
        },
      });
    });

    it('refuses anyone but the subject of a standing exception', () => {
      const decision = when(activeStandingException(), {
        kind: 'renew',
        by: securityLead,
        durationMs: DAY_MS,
        attestation: 'x',
      });

      expect(decision).toMatchObject({ ok: false, error: { code: 'not-allowed-to-renew' } });
    });

    it('refuses to renew break-glass', () => {
      const decision = when(given(aBreakGlass()), {
        kind: 'renew',
        by: aBreakGlass().requester,
        durationMs: HOUR_MS,
        attestation: 'x',
      });

      expect(decision).toMatchObject({ ok: false, error: { code: 'break-glass-not-renewable' } });
    });

    it('recertifies a legacy exemption by its owner and moves recertifyBy', () => {
      const active = given(aLegacyExemption({ durationMs: 60 * DAY_MS }), 'P60D');
      const owner = { id: 'u-900', groups: [] };

      const events = eventsOf(
        when(active, {
          kind: 'renew',
          by: owner,
          durationMs: 90 * DAY_MS,
          attestation: 'controls hold',
        }),
      );

      expect(events[0]?.data).toMatchObject({
        endsAt: new Date(LATER.getTime() + 90 * DAY_MS).toISOString(),
        recertifyBy: new Date(LATER.getTime() + 76 * DAY_MS).toISOString(),
      });
      expect(
        when(active, {
          kind: 'renew',
          by: mainframeOperator,
          durationMs: DAY_MS,
          attestation: 'x',
        }),
      ).toMatchObject({ ok: false, error: { code: 'not-allowed-to-renew' } });
    });
  });

  describe('renewing no more than the rule allows', () => {
    const renewal = (attestation: string, by: Principal = seniorDba): OptOutCommand => ({
      kind: 'renew',
      by,
      durationMs: 20 * DAY_MS,
      attestation,
    });

    function renewedTwice(): OptOutState {
      const active = activeStandingException();
      const once = then(active, when(active, renewal('week 2: lag checks continue')));
      return then(once, when(once, renewal('week 5: the last shard moves on Friday')));
    }

    it('refuses a renewal past maxRenewals, naming the rule path and the limit', () => {
      const decision = when(renewedTwice(), renewal('week 8: one more shard'));

      expect(decision).toEqual({
        ok: false,
        error: {
          code: 'renewal-limit-reached',
          rule: 'replication-debugging.maxRenewals',
          maxRenewals: 2,
          message: expect.stringMatching(
            /^replication-debugging allows 2 renewals of a standing-exception and \S+ has had 2 renewals; it ends at /,
          ),
        },
      });
    });

    it('answers renewal-limit-reached with a conflict status', () => {
      expect(OptOutErrorHttpStatus['renewal-limit-reached']).toBe(409);
    });

    it('refuses every renewal when the rule allows none', () => {
      const active = activeStandingException();
      const none = { ...active, terms: { ...active.terms!, maxRenewals: 0 } };

      expect(when(none, renewal('still needed'))).toMatchObject({
        ok: false,
        error: { code: 'renewal-limit-reached', maxRenewals: 0 },
      });
    });

    it('takes one stored without a renewal limit as having none left', () => {
      const active = activeStandingException();
      const { maxRenewals: _maxRenewals, ...withoutLimit } = active.terms!;

      expect(when({ ...active, terms: withoutLimit as OptOutTerms }, renewal('ok'))).toMatchObject({
        ok: false,
        error: { code: 'renewal-limit-reached', rule: 'replication-debugging.maxRenewals' },
      });
    });

    it('recertifies a legacy exemption no more often than its rule allows', () => {
      const owner = { id: 'u-900', groups: [] };
      const active = given(aLegacyExemption({ durationMs: 60 * DAY_MS }), 'P60D');
      const recertified = then(active, when(active, renewal('controls hold', owner)));

      expect(when(recertified, renewal('controls still hold', owner))).toMatchObject({
        ok: false,
        error: { code: 'renewal-limit-reached', rule: 'mainframe-legacy.maxRenewals' },
      });
    });

    it('checks the limit before the attestation: no wording would help', () => {
      const decision = when(renewedTwice(), renewal('week 2: lag checks continue'));

      expect(decision).toMatchObject({ ok: false, error: { code: 'renewal-limit-reached' } });
    });
  });

  describe('renewing with a fresh attestation', () => {
    const renewal = (attestation: string): OptOutCommand => ({
      kind: 'renew',
      by: seniorDba,
      durationMs: 20 * DAY_MS,
      attestation,
    });

    it('refuses the justification again, whatever its case and spacing', () => {
      const decision = when(activeStandingException(), renewal('  Replica\tLAG   on orders '));

      expect(decision).toEqual({
        ok: false,
        error: {
          code: 'attestation-not-fresh',
          message: expect.stringContaining('the attestation repeats its justification'),
        },
      });
    });

    it('refuses an earlier attestation again, naming which renewal said it', () => {
      const active = activeStandingException();
      const renewed = then(active, when(active, renewal('week 2: lag checks continue')));

      const decision = when(renewed, renewal('WEEK 2:  lag checks continue'));

      expect(decision).toMatchObject({
        ok: false,
        error: {
          code: 'attestation-not-fresh',
          message: expect.stringContaining('repeats the attestation of renewal 1'),
        },
      });
    });

    it('answers attestation-not-fresh as an unprocessable request', () => {
      expect(OptOutErrorHttpStatus['attestation-not-fresh']).toBe(422);
    });

    it('accepts an attestation that says something new', () => {
      const active = activeStandingException();
      const renewed = then(active, when(active, renewal('week 2: lag checks continue')));

      const events = eventsOf(when(renewed, renewal('week 5: the last shard moves on Friday')));

      expect(events).toEqual([
        {
          type: 'OptOutRenewed',
          data: expect.objectContaining({ attestation: 'week 5: the last shard moves on Friday' }),
        },
      ]);
    });
  });

  describe('uses and revocation', () => {
    it('counts uses by the subject or a usage reporter, and no one else', () => {
      const active = activeStandingException();

      const used = then(active, when(active, { kind: 'report-use', by: seniorDba }));
      const twice = then(
        used,
        when(used, { kind: 'report-use', by: { id: 'pam', groups: ['pam-gateway'] } }),
      );

      expect(twice).toMatchObject({ uses: 2, lastUsedAt: LATER.toISOString() });
      expect(when(active, { kind: 'report-use', by: otherLead })).toMatchObject({
        ok: false,
        error: { code: 'not-allowed-to-report-use' },
      });
    });

    it('revokes by a security lead, and refuses a second revocation', () => {
      const active = activeStandingException();

      const revoked = then(
        active,
        when(active, { kind: 'revoke', by: securityLead, reason: 'abuse' }),
      );

      expect(revoked).toMatchObject({
        status: 'revoked',
        ended: { reason: 'revoked', by: 'u-190' },
      });
      expect(when(revoked, { kind: 'revoke', by: securityLead, reason: 'again' })).toMatchObject({
        ok: false,
        error: { code: 'not-active' },
      });
    });

    it('refuses revocation by someone who is neither lead nor subject', () => {
      expect(
        when(activeStandingException(), {
          kind: 'revoke',
          by: { id: 'u-8', groups: ['dba'] },
          reason: 'x',
        }),
      ).toMatchObject({ ok: false, error: { code: 'not-allowed-to-revoke' } });
    });
  });

  describe('reviewing break-glass', () => {
    it('records a review by a lead, on time', () => {
      const active = given(aBreakGlass());

      const events = eventsOf(when(active, review(securityLead)));

      expect(events).toEqual([
        {
          type: 'BreakGlassReviewed',
          data: expect.objectContaining({ reviewer: 'u-190', subject: 'u-301', late: false }),
        },
      ]);
    });

    it('refuses the subject reviewing their own break-glass', () => {
      const active = given(aBreakGlass());

      expect(when(active, review(aBreakGlass().requester))).toMatchObject({
        ok: false,
        error: { code: 'self-review' },
      });
    });

    it('refuses a second review and a review by someone not a lead', () => {
      const active = given(aBreakGlass());
      const reviewed = then(active, when(active, review(securityLead)));

      expect(when(reviewed, review(otherLead))).toMatchObject({
        ok: false,
        error: { code: 'already-reviewed' },
      });
      expect(when(active, review({ id: 'u-8', groups: ['sre'] }))).toMatchObject({
        ok: false,
        error: { code: 'not-a-security-lead' },
      });
    });

    it('refuses to review anything but break-glass', () => {
      expect(when(activeStandingException(), review(securityLead))).toMatchObject({
        ok: false,
        error: { code: 'not-a-break-glass' },
      });
    });

    it('marks a review overdue at its deadline and suspends the person once', () => {
      const active = given(aBreakGlass());
      const deadline = (suspended: boolean): OptOutCommand => ({
        kind: 'pass-deadline',
        deadline: 'review',
        dueAt: active.reviewBy ?? '',
        subject: { suspended },
      });

      const first = eventsOf(when(active, deadline(false)));
      const alreadySuspended = eventsOf(when(active, deadline(true)));

      expect(first.map((event) => event.type)).toEqual([
        'BreakGlassReviewOverdue',
        'BreakGlassEligibilitySuspended',
      ]);
      expect(alreadySuspended.map((event) => event.type)).toEqual(['BreakGlassReviewOverdue']);
      const overdue = first.reduce(evolveOptOut, active);
      expect(eventsOf(when(overdue, deadline(true)))).toEqual([]);
    });

    it('restores eligibility with the review that closes the last overdue one, marked late', () => {
      const active = given(aBreakGlass());
      const overdueAt = new Date(Date.parse(active.reviewBy ?? '') + HOUR_MS);
      const overdue = then(
        active,
        when(
          active,
          {
            kind: 'pass-deadline',
            deadline: 'review',
            dueAt: active.reviewBy ?? '',
            subject: { suspended: false },
          },
          overdueAt,
        ),
      );

      const lastOne = eventsOf(when(overdue, review(securityLead, true, 0), overdueAt));
      const notLast = eventsOf(when(overdue, review(securityLead, true, 1), overdueAt));

      expect(lastOne.map((event) => event.type)).toEqual([
        'BreakGlassReviewed',
        'BreakGlassEligibilityRestored',
      ]);
      expect(lastOne[0]?.data).toMatchObject({ late: true });
      expect(notLast.map((event) => event.type)).toEqual(['BreakGlassReviewed']);
    });
  });

  describe('the unused-lapse deadline', () => {
    const lapse = (dueAt: Date): OptOutCommand => ({
      kind: 'pass-deadline',
      deadline: 'unused-lapse',
      dueAt: dueAt.toISOString(),
      subject: { suspended: false },
    });

    it('lapses an active standing exception unused since activation', () => {
      const active = activeStandingException();
      const dueAt = new Date(NOW.getTime() + 7 * DAY_MS);

      const events = eventsOf(when(active, lapse(dueAt), dueAt));

      expect(events).toEqual([
        {
          type: 'OptOutLapsed',
          data: expect.objectContaining({ uses: 0, lastUsedAt: null, unusedFor: 'P7D' }),
        },
      ]);
    });

    it('keeps one used since the deadline was set', () => {
      const active = activeStandingException();
      const used = then(active, when(active, { kind: 'report-use', by: seniorDba }));

      expect(eventsOf(when(used, lapse(new Date(NOW.getTime() + 7 * DAY_MS))))).toEqual([]);
    });

    it('does nothing to one already revoked', () => {
      const active = activeStandingException();
      const revoked = then(active, when(active, { kind: 'revoke', by: seniorDba, reason: 'done' }));

      expect(eventsOf(when(revoked, lapse(new Date(NOW.getTime() + 7 * DAY_MS))))).toEqual([]);
    });
  });

  describe('the recertification deadline', () => {
    it('asks the owner once, and not after a recertification moved it', () => {
      const active = given(aLegacyExemption({ durationMs: 60 * DAY_MS }), 'P60D');
      const command: OptOutCommand = {
        kind: 'pass-deadline',
        deadline: 'recertification',
        dueAt: active.recertifyBy ?? '',
        subject: { suspended: false },
      };

      const due = eventsOf(when(active, command));
      const renewed = then(
        active,
        when(active, {
          kind: 'renew',
          by: { id: 'u-900', groups: [] },
          durationMs: 60 * DAY_MS,
          attestation: 'ok',
        }),
      );

      expect(due).toEqual([
        {
          type: 'LegacyExemptionRecertificationDue',
          data: expect.objectContaining({ owner: 'u-900', dueAt: active.recertifyBy }),
        },
      ]);
      expect(eventsOf(when(due.reduce(evolveOptOut, active), command))).toEqual([]);
      expect(eventsOf(when(renewed, command))).toEqual([]);
    });
  });
});

describe(comparableText.name, () => {
  it.each([
    ['surrounding spaces', '  still needed \n', 'still needed'],
    ['runs of spaces, tabs and line breaks', 'still\t needed\n\nnow', 'still needed now'],
    ['case', 'Still NEEDED', 'still needed'],
    ['compatibility forms of the same letters', 'ｓｔｉｌｌ needed', 'still needed'],
  ])('ignores %s', (_name, text, expected) => {
    expect(comparableText(text)).toBe(expected);
  });

  it('keeps the words, so a different statement stays different', () => {
    expect(comparableText('lag checks for week 2')).not.toBe(
      comparableText('lag checks for week 3'),
    );
  });
});

describe(evolveOptOut.name, () => {
  it('ends an active opt-out at its expiry, and keeps how a revoked one ended', () => {
    const active = activeStandingException();
    const expired = {
      type: 'OptOutExpired' as const,
      data: {
        optOutId: OPT_OUT_ID,
        kind: active.kind,
        subject: active.requester.id,
        resource: active.resource,
        role: active.role,
        endedAt: LATER.toISOString(),
        coveringGrantIds: [],
      },
    };
    const revoked = then(active, when(active, { kind: 'revoke', by: seniorDba, reason: 'done' }));

    expect(evolveOptOut(active, expired)).toMatchObject({
      status: 'expired',
      ended: { reason: 'expired' },
    });
    expect(evolveOptOut(revoked, expired)).toEqual(revoked);
  });

  it('replaying the same events twice gives the same state', () => {
    const pending = given(aStandingException(), 'P14D');
    const events = eventsOf(
      when(pending, { kind: 'approve', approver: securityLead, comment: null }),
    );

    const once = events.reduce(evolveOptOut, pending);
    const twice = events.reduce(evolveOptOut, pending);

    expect(twice).toEqual(once);
    expect(evolveOptOut(once, events[0]!)).toEqual(once);
  });
});
