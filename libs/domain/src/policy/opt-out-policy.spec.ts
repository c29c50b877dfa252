import { OPT_OUT_POLICY_YAML } from '../opt-outs/testing/opt-out-policies';
import { parsePolicySet, PolicyFileError } from './policy-loader';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function problemsOf(yamlText: string): string[] {
  try {
    parsePolicySet(yamlText, 'opt-outs.yaml');
  } catch (error) {
    if (error instanceof PolicyFileError) {
      return error.problems;
    }
    throw error;
  }
  throw new Error('expected the policy file to be refused');
}

const HEADER = `
version: 1
defaults: { maxDuration: PT12H, decisionTimeout: PT24H, maxStartDelay: P7D }
policies: []
`;

function withRule(ruleYaml: string): string {
  const indented = ruleYaml
    .trim()
    .split('\n')
    .map((line, index) => `${index === 0 ? '    - ' : '      '}${line}`)
    .join('\n');
  return `${HEADER}optOuts:
  securityLeads: { groups: [security-leads] }
  rules:
${indented}
`;
}

describe('opt-out sections of the policy file', () => {
  it('reads resources and opt-out rules with every duration in milliseconds', () => {
    const policies = parsePolicySet(OPT_OUT_POLICY_YAML, 'opt-outs.yaml');

    expect(policies.resources).toEqual([
      { match: ['db:payments-*'], tags: ['pci'], legacy: false },
      { match: ['app:mainframe-*'], tags: [], legacy: true },
    ]);
    expect(policies.optOuts?.securityLeads).toEqual({ groups: ['security-leads'] });
    expect(policies.optOuts?.usageReporters).toEqual({ groups: ['pam-gateway'] });
    expect(policies.optOuts?.compliance).toEqual({
      pci: { forbid: ['standing-exception', 'legacy-exemption'] },
    });
    expect(policies.optOuts?.rules).toEqual([
      {
        id: 'prod-break-glass',
        kind: 'break-glass',
        description: null,
        resources: ['db:*-prod', 'db:payments-*'],
        roles: ['read-only', 'db-admin'],
        eligible: {
          groups: ['sre'],
          attributes: { onCall: [true], training: ['break-glass-2026'] },
        },
        maxDurationMs: 4 * HOUR,
        approval: null,
        reviewWithinMs: 2 * DAY,
      },
      {
        id: 'replication-debugging',
        kind: 'standing-exception',
        description: null,
        resources: ['db:orders-prod', 'db:payments-prod'],
        roles: null,
        eligible: { groups: ['dba'], attributes: { seniority: ['senior', 'staff'] } },
        maxDurationMs: 30 * DAY,
        requireTicket: true,
        approval: { groups: ['security-leads'], approvalsRequired: 1 },
        lapseAfterUnusedMs: 7 * DAY,
        maxRenewals: 2,
      },
      {
        id: 'mainframe-legacy',
        kind: 'legacy-exemption',
        description: null,
        resources: ['app:mainframe-*', 'db:orders-prod'],
        roles: null,
        eligible: { groups: ['mainframe-ops'], attributes: {} },
        maxDurationMs: 90 * DAY,
        approval: null,
        recertifyBeforeMs: 14 * DAY,
        maxRenewals: 1,
      },
    ]);
  });

  it('has no resources and no opt-outs when the file leaves both out', () => {
    const policies = parsePolicySet(HEADER, 'plain.yaml');

    expect(policies.resources).toEqual([]);
    expect(policies.optOuts).toBeNull();
  });

  it('refuses a rule without maxDuration', () => {
    const problems = problemsOf(
      withRule(`
id: bg
kind: break-glass
resources: ['db:*']
eligible: { groups: [sre] }
reviewWithin: P1D`),
    );

    expect(problems).toEqual([
      expect.stringMatching(/^optOuts\.rules\[0\]\.maxDuration: is required/),
    ]);
  });

  it('refuses a break-glass rule without reviewWithin', () => {
    const problems = problemsOf(
      withRule(`
id: bg
kind: break-glass
resources: ['db:*']
eligible: { groups: [sre] }
maxDuration: PT4H`),
    );

    expect(problems).toEqual([
      expect.stringMatching(/^optOuts\.rules\[0\]\.reviewWithin: is required/),
    ]);
  });

  it('refuses a standing exception without approval, lapseAfterUnused or maxRenewals', () => {
    const problems = problemsOf(
      withRule(`
id: se
kind: standing-exception
resources: ['db:*']
eligible: { groups: [dba] }
maxDuration: P30D`),
    );

    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^optOuts\.rules\[0\]\.approval: /),
        expect.stringMatching(/^optOuts\.rules\[0\]\.lapseAfterUnused: is required/),
        expect.stringMatching(/^optOuts\.rules\[0\]\.maxRenewals: is required/),
      ]),
    );
  });

  describe('maxRenewals', () => {
    const standingException = (maxRenewals: string) =>
      withRule(`
id: se
kind: standing-exception
resources: ['db:*']
eligible: { groups: [dba] }
maxDuration: P30D
approval: { groups: [security-leads], approvalsRequired: 1 }
lapseAfterUnused: P7D
${maxRenewals}`);

    it('is required, with no default, so that no file leaves renewals unbounded', () => {
      expect(problemsOf(standingException(''))).toEqual([
        'optOuts.rules[0].maxRenewals: is required, so that renewals come to an end; a whole ' +
          'number of renewals, 0 or more (0: never renewed)',
      ]);
    });

    it('accepts 0: an opt-out that is never renewed', () => {
      const policies = parsePolicySet(standingException('maxRenewals: 0'), 'opt-outs.yaml');

      expect(policies.optOuts?.rules[0]).toMatchObject({ maxRenewals: 0 });
    });

    it.each([
      ['a negative number', 'maxRenewals: -1'],
      ['a fraction', 'maxRenewals: 1.5'],
      ['text', "maxRenewals: 'two'"],
      ['a null', 'maxRenewals: null'],
    ])('refuses %s, naming the path', (_name, line) => {
      expect(problemsOf(standingException(line))).toEqual([
        'optOuts.rules[0].maxRenewals: must be a whole number of renewals, 0 or more (0: never ' +
          'renewed)',
      ]);
    });

    it('is required on a legacy exemption too', () => {
      const problems = problemsOf(
        withRule(`
id: legacy
kind: legacy-exemption
resources: ['app:*']
eligible: { groups: [ops] }
maxDuration: P90D
recertifyBefore: P14D`),
      );

      expect(problems).toEqual([
        expect.stringMatching(/^optOuts\.rules\[0\]\.maxRenewals: is required/),
      ]);
    });

    it('does not belong on break-glass, which is never renewed', () => {
      const problems = problemsOf(
        OPT_OUT_POLICY_YAML.replace('reviewWithin: P2D', 'reviewWithin: P2D\n      maxRenewals: 1'),
      );

      expect(problems).toEqual([expect.stringMatching(/^optOuts\.rules\[0\]: .*maxRenewals/)]);
    });
  });

  it('refuses a legacy exemption whose recertification lead is not shorter than its maximum', () => {
    const problems = problemsOf(
      withRule(`
id: legacy
kind: legacy-exemption
resources: ['app:*']
eligible: { groups: [ops] }
maxDuration: P14D
recertifyBefore: P14D
maxRenewals: 1`),
    );

    expect(problems).toEqual([
      expect.stringMatching(
        /^optOuts\.rules\[0\]\.recertifyBefore: must be shorter than maxDuration/,
      ),
    ]);
  });

  it('refuses a legacy exemption without recertifyBefore', () => {
    const problems = problemsOf(
      withRule(`
id: legacy
kind: legacy-exemption
resources: ['app:*']
eligible: { groups: [ops] }
maxDuration: P14D
maxRenewals: 1`),
    );

    expect(problems).toEqual([
      expect.stringMatching(/^optOuts\.rules\[0\]\.recertifyBefore: is required/),
    ]);
  });

  it('names the path of a bad opt-out duration', () => {
    const problems = problemsOf(
      OPT_OUT_POLICY_YAML.replace('reviewWithin: P2D', 'reviewWithin: 2d'),
    );

    expect(problems).toEqual([expect.stringMatching(/^optOuts\.rules\[0\]\.reviewWithin: /)]);
  });

  it('refuses a field that does not belong to the kind, with its path', () => {
    const problems = problemsOf(
      OPT_OUT_POLICY_YAML.replace(
        'reviewWithin: P2D',
        'reviewWithin: P2D\n      lapseAfterUnused: P1D',
      ),
    );

    expect(problems).toEqual([expect.stringMatching(/^optOuts\.rules\[0\]: .*lapseAfterUnused/)]);
  });

  it('refuses a misspelt field in the resources section, with its path', () => {
    const problems = problemsOf(OPT_OUT_POLICY_YAML.replace('legacy: true', 'legasy: true'));

    expect(problems).toEqual([expect.stringMatching(/^resources\[1\]: .*legasy/)]);
  });

  it('refuses an unknown kind', () => {
    const problems = problemsOf(
      OPT_OUT_POLICY_YAML.replace('kind: break-glass', 'kind: emergency'),
    );

    expect(problems).toEqual([
      expect.stringMatching(/^optOuts\.rules\[0\]\.kind: kind must be one of/),
    ]);
  });

  it('refuses a compliance tag forbidding a kind that does not exist', () => {
    const problems = problemsOf(
      OPT_OUT_POLICY_YAML.replace('forbid: [standing-exception', 'forbid: [standing'),
    );

    expect(problems).toEqual([expect.stringMatching(/^optOuts\.compliance\.pci\.forbid\[0\]: /)]);
  });

  it('refuses two rules with the same id', () => {
    const problems = problemsOf(
      OPT_OUT_POLICY_YAML.replace('id: replication-debugging', 'id: prod-break-glass'),
    );

    expect(problems).toEqual([
      expect.stringMatching(/^optOuts\.rules\[1\]\.id: duplicate "prod-break-glass"/),
    ]);
  });

  it('refuses an optOuts section without security leads', () => {
    const problems = problemsOf(`${HEADER}optOuts:\n  rules: []\n`);

    expect(problems).toEqual([expect.stringMatching(/^optOuts\.securityLeads: /)]);
  });
});
