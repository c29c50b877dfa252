import { parsePolicySet } from '../policy/policy-loader';
import { evaluateOptOut, meetsAttribute, resourceTags } from './opt-out-eligibility';
import {
  aBreakGlass,
  aLegacyExemption,
  aStandingException,
  DAY_MS,
  HOUR_MS,
  mainframeOperator,
  NOW,
  OPT_OUT_POLICIES,
  OPT_OUT_POLICY_YAML,
  onCallSre,
} from './testing/opt-out-policies';

const refusalOf = (result: ReturnType<typeof evaluateOptOut>) => {
  if (result.eligible) throw new Error(`expected a refusal, got rule ${result.rule.id}`);
  return result;
};

describe(evaluateOptOut.name, () => {
  describe('the pci example', () => {
    it('allows break-glass on a pci resource', () => {
      const result = evaluateOptOut(
        OPT_OUT_POLICIES,
        aBreakGlass({ resource: 'db:payments-prod' }),
      );

      expect(result).toMatchObject({ eligible: true, rule: { id: 'prod-break-glass' } });
    });

    it('refuses a standing exception on a pci resource, naming the tag', () => {
      const result = evaluateOptOut(
        OPT_OUT_POLICIES,
        aStandingException({ resource: 'db:payments-prod' }),
      );

      expect(result).toEqual({
        eligible: false,
        reason: 'forbidden-by-compliance-tag',
        rule: 'compliance.pci',
        message: 'db:payments-prod is tagged pci, which never allows a standing exception',
        maximumDuration: null,
        matchedRule: null,
      });
    });
  });

  describe('break-glass', () => {
    it('is active at once with a review due reviewWithin after its end', () => {
      const result = evaluateOptOut(OPT_OUT_POLICIES, aBreakGlass({ durationMs: 2 * HOUR_MS }));

      expect(result).toMatchObject({ eligible: true, approval: null });
      if (!result.eligible) throw new Error('expected eligible');
      const endsAt = new Date(NOW.getTime() + 2 * HOUR_MS);
      expect(result.window).toEqual({
        startsAt: NOW,
        endsAt,
        reviewBy: new Date(endsAt.getTime() + 2 * DAY_MS),
        recertifyBy: null,
      });
      expect(result.terms).toEqual({
        durationMs: 2 * HOUR_MS,
        maximumDurationMs: 4 * HOUR_MS,
        reviewWithinMs: 2 * DAY_MS,
        lapseAfterUnusedMs: null,
        recertifyBeforeMs: null,
        maxRenewals: null,
      });
    });

    it('refuses a requester outside the eligible groups', () => {
      const result = refusalOf(
        evaluateOptOut(
          OPT_OUT_POLICIES,
          aBreakGlass({ requester: { id: 'u-9', groups: ['dba'] } }),
        ),
      );

      expect(result).toMatchObject({
        reason: 'not-eligible',
        rule: 'prod-break-glass.eligible.groups',
        matchedRule: { id: 'prod-break-glass' },
      });
      expect(result.message).toBe('u-9 is in none of the groups sre that prod-break-glass allows');
    });

    it('refuses a person whose token does not say they are on call', () => {
      const requester = { ...onCallSre, attributes: { ...onCallSre.attributes, onCall: false } };

      const result = refusalOf(evaluateOptOut(OPT_OUT_POLICIES, aBreakGlass({ requester })));

      expect(result).toMatchObject({
        reason: 'attribute-not-met',
        rule: 'prod-break-glass.eligible.attributes.onCall',
        message:
          "u-301's token has false as onCall; prod-break-glass needs onCall to be one of true",
      });
    });

    it('refuses a token without a required attribute', () => {
      const requester = { id: 'u-301', groups: ['sre'], attributes: { onCall: true } };

      const result = refusalOf(evaluateOptOut(OPT_OUT_POLICIES, aBreakGlass({ requester })));

      expect(result).toMatchObject({
        reason: 'attribute-not-met',
        rule: 'prod-break-glass.eligible.attributes.training',
        message: expect.stringContaining("u-301's token has no training"),
      });
    });

    it('refuses a token without any attributes', () => {
      const result = refusalOf(
        evaluateOptOut(
          OPT_OUT_POLICIES,
          aBreakGlass({ requester: { id: 'u-1', groups: ['sre'] } }),
        ),
      );

      expect(result.rule).toBe('prod-break-glass.eligible.attributes.onCall');
    });

    it('refuses without an incident', () => {
      const result = refusalOf(evaluateOptOut(OPT_OUT_POLICIES, aBreakGlass({ incident: ' ' })));

      expect(result).toMatchObject({
        reason: 'incident-required',
        rule: 'prod-break-glass.incident',
      });
    });

    it('refuses a person whose eligibility is suspended', () => {
      const result = refusalOf(evaluateOptOut(OPT_OUT_POLICIES, aBreakGlass({ suspended: true })));

      expect(result).toMatchObject({
        reason: 'eligibility-suspended',
        rule: 'prod-break-glass.reviewWithin',
      });
    });

    it('refuses more than the maximum and names it, never shortening the request', () => {
      const result = refusalOf(
        evaluateOptOut(OPT_OUT_POLICIES, aBreakGlass({ durationMs: 5 * HOUR_MS })),
      );

      expect(result).toMatchObject({
        reason: 'duration-exceeds-maximum',
        rule: 'prod-break-glass.maxDuration',
        maximumDuration: 'PT4H',
        message:
          'requested PT5H exceeds the maximum PT4H of prod-break-glass for db-admin on db:orders-prod',
      });
    });

    it('accepts exactly the maximum', () => {
      expect(
        evaluateOptOut(OPT_OUT_POLICIES, aBreakGlass({ durationMs: 4 * HOUR_MS })).eligible,
      ).toBe(true);
    });

    it('refuses a role the rule does not list', () => {
      const result = refusalOf(evaluateOptOut(OPT_OUT_POLICIES, aBreakGlass({ role: 'owner' })));

      expect(result).toMatchObject({
        reason: 'no-opt-out-rule',
        rule: 'optOuts.rules',
        message: 'no break-glass rule covers owner on db:orders-prod',
      });
    });
  });

  describe('standing exceptions', () => {
    it('waits for the approval its rule names', () => {
      const result = evaluateOptOut(OPT_OUT_POLICIES, aStandingException());

      expect(result).toMatchObject({
        eligible: true,
        rule: { id: 'replication-debugging' },
        approval: { approverGroups: ['security-leads'], approvalsRequired: 1 },
        terms: { lapseAfterUnusedMs: 7 * DAY_MS, maximumDurationMs: 30 * DAY_MS, maxRenewals: 2 },
      });
    });

    it('refuses without a ticket when the rule requires one, as it does by default', () => {
      const result = refusalOf(
        evaluateOptOut(OPT_OUT_POLICIES, aStandingException({ ticket: null })),
      );

      expect(result).toMatchObject({
        reason: 'ticket-required',
        rule: 'replication-debugging.requireTicket',
      });
    });

    it('refuses a seniority that is not accepted', () => {
      const requester = { id: 'u-2', groups: ['dba'], attributes: { seniority: 'junior' } };

      const result = refusalOf(evaluateOptOut(OPT_OUT_POLICIES, aStandingException({ requester })));

      expect(result.rule).toBe('replication-debugging.eligible.attributes.seniority');
    });
  });

  describe('legacy exemptions', () => {
    it('asks the owner to recertify recertifyBefore ahead of the end', () => {
      const result = evaluateOptOut(
        OPT_OUT_POLICIES,
        aLegacyExemption({ durationMs: 60 * DAY_MS }),
      );

      if (!result.eligible) throw new Error(`expected eligible, got ${result.reason}`);
      expect(result.approval).toBeNull();
      expect(result.window.recertifyBy).toEqual(new Date(NOW.getTime() + 46 * DAY_MS));
      expect(result.terms.maxRenewals).toBe(1);
    });

    it('refuses a resource not flagged legacy, naming the resources section', () => {
      const result = refusalOf(
        evaluateOptOut(OPT_OUT_POLICIES, aLegacyExemption({ resource: 'db:orders-prod' })),
      );

      expect(result).toMatchObject({
        reason: 'not-a-legacy-resource',
        rule: 'resources',
        message: 'db:orders-prod is not flagged legacy, so it cannot have a legacy exemption',
      });
    });

    it('refuses without an owner', () => {
      const result = refusalOf(evaluateOptOut(OPT_OUT_POLICIES, aLegacyExemption({ owner: null })));

      expect(result).toMatchObject({ reason: 'owner-required', rule: 'mainframe-legacy.owner' });
    });

    it('refuses the requester as its own owner, who could then recertify it', () => {
      const result = refusalOf(
        evaluateOptOut(OPT_OUT_POLICIES, aLegacyExemption({ owner: mainframeOperator.id })),
      );

      expect(result).toEqual({
        eligible: false,
        reason: 'owner-is-requester',
        rule: 'mainframe-legacy.owner',
        message:
          'u-303 cannot own their own legacy exemption: its owner answers for it and ' +
          'recertifies it, so must be someone else',
        maximumDuration: null,
        matchedRule: expect.objectContaining({ id: 'mainframe-legacy' }),
      });
    });

    it('refuses the requester as owner however the id is spaced or cased', () => {
      const result = refusalOf(
        evaluateOptOut(OPT_OUT_POLICIES, aLegacyExemption({ owner: ' U-303 ' })),
      );

      expect(result.reason).toBe('owner-is-requester');
    });

    it('refuses without a compensating control', () => {
      const result = refusalOf(
        evaluateOptOut(OPT_OUT_POLICIES, aLegacyExemption({ compensatingControls: [] })),
      );

      expect(result).toMatchObject({
        reason: 'compensating-controls-required',
        rule: 'mainframe-legacy.compensatingControls',
      });
    });
  });

  describe('choosing the rule', () => {
    const TWO_RULES = parsePolicySet(
      OPT_OUT_POLICY_YAML.replace(
        '    - id: replication-debugging',
        `    - id: night-shift-break-glass
      kind: break-glass
      resources: ['db:orders-prod']
      eligible: { groups: [night-ops] }
      maxDuration: PT1H
      reviewWithin: P1D
    - id: replication-debugging`,
      ),
      'two-rules.yaml',
    );

    it('uses a later rule when the first does not hold', () => {
      const result = evaluateOptOut(
        TWO_RULES,
        aBreakGlass({ requester: { id: 'u-5', groups: ['night-ops'] }, durationMs: HOUR_MS }),
      );

      expect(result).toMatchObject({ eligible: true, rule: { id: 'night-shift-break-glass' } });
    });

    it('names the first failing condition of the first matching rule when none holds', () => {
      const result = refusalOf(
        evaluateOptOut(TWO_RULES, aBreakGlass({ requester: { id: 'u-5', groups: ['night-ops'] } })),
      );

      expect(result.rule).toBe('prod-break-glass.eligible.groups');
    });

    it('refuses every opt-out when the file has no optOuts section', () => {
      const none = parsePolicySet(
        'version: 1\ndefaults: { maxDuration: PT1H, decisionTimeout: PT1H, maxStartDelay: P1D }\npolicies: []\n',
        'none.yaml',
      );

      expect(refusalOf(evaluateOptOut(none, aBreakGlass()))).toMatchObject({
        reason: 'no-opt-out-rule',
        rule: 'optOuts',
      });
    });
  });
});

describe(meetsAttribute.name, () => {
  it.each([
    ['a scalar equal to an accepted value', 'senior', ['senior', 'staff'], true],
    ['a scalar equal to none of them', 'junior', ['senior', 'staff'], false],
    ['a boolean', true, [true], true],
    ['a boolean that differs', false, [true], false],
    ['text that only looks like the boolean', 'true', [true], false],
    ['a list containing one of them', ['a', 'staff'], ['senior', 'staff'], true],
    ['a list containing none of them', ['a', 'b'], ['senior'], false],
    ['an empty list', [], ['senior'], false],
    ['a missing attribute', undefined, ['senior'], false],
  ])('%s: %p of %p is %p', (_name, value, accepted, expected) => {
    expect(meetsAttribute(value, accepted)).toBe(expected);
  });
});

describe(resourceTags.name, () => {
  it('gathers the tags of every entry that matches, once each', () => {
    const resources = [
      { match: ['db:payments-*'], tags: ['pci'], legacy: false },
      { match: ['db:*-prod'], tags: ['pci', 'prod'], legacy: false },
    ];

    expect(resourceTags(resources, 'db:payments-prod')).toEqual(['pci', 'prod']);
  });
});
