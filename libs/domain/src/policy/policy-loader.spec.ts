import { resolve } from 'node:path';
import { PolicyFileError, loadPolicyFile, parsePolicySet } from './policy-loader';
import { findRole } from './policy-set';

const EXAMPLE_POLICY_FILE = resolve(__dirname, '../../../../config/access-policies.yaml');

const HOUR = 3_600_000;

const VALID_POLICY_FILE = `
version: 1
defaults:
  maxDuration: PT12H
  decisionTimeout: PT24H
  maxStartDelay: P7D
policies:
  - id: orders-db
    description: Orders database
    resources: ['db:orders-*']
    roles:
      read-only:
        requesters: { groups: [sre, dba], users: [u-150] }
        approvers: { groups: [dba] }
        approvalsRequired: 1
        maxDuration: PT4H
        overMaximum: cap
        autoApprove:
          - name: sre-short-read
            requesterGroups: [sre]
            maxDuration: PT1H
            requireTicket: false
      db-admin:
        requesters: { groups: [dba] }
        approvers: { groups: [dba] }
        approvalsRequired: 2
`;

function problemsOf(yamlText: string, sourceName = 'policies.yaml'): string[] {
  try {
    parsePolicySet(yamlText, sourceName);
  } catch (error) {
    if (error instanceof PolicyFileError) {
      return error.problems;
    }
    throw error;
  }
  throw new Error('expected the policy file to be refused');
}

function withRole(roleYaml: string): string {
  return `
version: 1
defaults: { maxDuration: PT12H, decisionTimeout: PT24H, maxStartDelay: P7D }
policies:
  - id: orders-db
    resources: ['db:orders-*']
    roles:
      read-only:
${roleYaml
  .trim()
  .split('\n')
  .map((line) => `        ${line}`)
  .join('\n')}
`;
}

describe(parsePolicySet.name, () => {
  it('reads every duration into milliseconds', () => {
    const policies = parsePolicySet(VALID_POLICY_FILE, 'policies.yaml');

    expect(policies.defaults).toEqual({
      maxDurationMs: 12 * HOUR,
      decisionTimeoutMs: 24 * HOUR,
      maxStartDelayMs: 7 * 24 * HOUR,
    });
    const readOnly = findRole(policies.policies[0]!, 'read-only');
    expect(readOnly?.maxDurationMs).toBe(4 * HOUR);
    expect(readOnly?.autoApprove).toEqual([
      {
        name: 'sre-short-read',
        requesterGroups: ['sre'],
        maxDurationMs: HOUR,
        requireTicket: false,
      },
    ]);
  });

  it('fills in what a role may leave out', () => {
    const policies = parsePolicySet(VALID_POLICY_FILE, 'policies.yaml');

    expect(findRole(policies.policies[0]!, 'db-admin')).toEqual({
      role: 'db-admin',
      requesters: { groups: ['dba'], users: [] },
      approvers: { groups: ['dba'] },
      approvalsRequired: 2,
      maxDurationMs: null,
      overMaximum: 'refuse',
      autoApprove: [],
    });
  });

  it('keeps the policies in file order and remembers where they came from', () => {
    const policies = parsePolicySet(VALID_POLICY_FILE, 'policies.yaml');

    expect(policies.source).toBe('policies.yaml');
    expect(policies.policies.map((policy) => policy.id)).toEqual(['orders-db']);
  });

  it('does not find a role named after a built-in object property', () => {
    const policies = parsePolicySet(VALID_POLICY_FILE, 'policies.yaml');

    expect(findRole(policies.policies[0]!, 'constructor')).toBeNull();
  });

  it('names the file and the path of a bad duration', () => {
    let thrown: unknown;
    try {
      parsePolicySet(VALID_POLICY_FILE.replace('maxDuration: PT4H', 'maxDuration: 4h'), 'x.yaml');
    } catch (error) {
      thrown = error;
    }

    expect(thrown).toBeInstanceOf(PolicyFileError);
    const message = (thrown as PolicyFileError).message;
    expect(message).toContain('x.yaml');
    expect(message).toContain('policies[0].roles.read-only.maxDuration');
    expect(message).toContain('PT1H30M, PT90M or P1D');
  });

  it.each([
    ['maxDuration: P1M', 'policies[0].roles.read-only.maxDuration'],
    ['maxDuration: 90', 'policies[0].roles.read-only.maxDuration'],
    ['maxDuration: PT0S', 'policies[0].roles.read-only.maxDuration'],
  ])('refuses %s at %s', (line, path) => {
    const problems = problemsOf(
      withRole(`
requesters: { groups: [sre] }
approvers: { groups: [dba] }
approvalsRequired: 1
${line}`),
    );

    expect(problems).toEqual([expect.stringContaining(`${path}: `)]);
  });

  it('names the path of a bad default duration', () => {
    const problems = problemsOf(
      VALID_POLICY_FILE.replace('decisionTimeout: PT24H', 'decisionTimeout: P1W'),
    );

    expect(problems).toEqual([expect.stringMatching(/^defaults\.decisionTimeout: .*weeks/)]);
  });

  it('names the path of a bad auto-approve duration', () => {
    const problems = problemsOf(
      VALID_POLICY_FILE.replace('maxDuration: PT1H', 'maxDuration: PT0.5H'),
    );

    expect(problems).toEqual([
      expect.stringMatching(/^policies\[0\]\.roles\.read-only\.autoApprove\[0\]\.maxDuration: /),
    ]);
  });

  it.each([0, 1.5, -1])('refuses approvalsRequired of %d', (count) => {
    const problems = problemsOf(
      VALID_POLICY_FILE.replace('approvalsRequired: 2', `approvalsRequired: ${count}`),
    );

    expect(problems).toEqual([
      expect.stringContaining('policies[0].roles.db-admin.approvalsRequired: '),
    ]);
  });

  it('lists every problem, not only the first', () => {
    const problems = problemsOf(
      VALID_POLICY_FILE.replace('maxDuration: PT12H', 'maxDuration: 12h').replace(
        'approvalsRequired: 2',
        'approvalsRequired: 0',
      ),
    );

    expect(problems).toHaveLength(2);
    expect(problems.join('\n')).toContain('defaults.maxDuration');
    expect(problems.join('\n')).toContain('policies[0].roles.db-admin.approvalsRequired');
  });

  it('refuses a misspelt field instead of ignoring it', () => {
    const problems = problemsOf(VALID_POLICY_FILE.replace('maxDuration: PT4H', 'maxDuraton: PT4H'));

    expect(problems).toEqual([
      expect.stringMatching(/^policies\[0\]\.roles\.read-only: .*maxDuraton/),
    ]);
  });

  it('refuses a role that nobody may request', () => {
    const problems = problemsOf(
      withRole(`
requesters: {}
approvers: { groups: [dba] }
approvalsRequired: 1`),
    );

    expect(problems).toEqual([expect.stringContaining('policies[0].roles.read-only.requesters: ')]);
  });

  it('refuses a role name a request could never use', () => {
    const problems = problemsOf(VALID_POLICY_FILE.replace('      db-admin:', "      'db admin':"));

    expect(problems).toEqual([
      expect.stringMatching(/^policies\[0\]\.roles\.db admin: role names must be/),
    ]);
  });

  it('refuses a role without approver groups', () => {
    const problems = problemsOf(
      withRole(`
requesters: { groups: [sre] }
approvers: { groups: [] }
approvalsRequired: 1`),
    );

    expect(problems).toEqual([
      expect.stringContaining('policies[0].roles.read-only.approvers.groups: '),
    ]);
  });

  it('refuses an overMaximum other than refuse or cap', () => {
    const problems = problemsOf(
      VALID_POLICY_FILE.replace('overMaximum: cap', 'overMaximum: allow'),
    );

    expect(problems).toEqual([
      expect.stringContaining('policies[0].roles.read-only.overMaximum: '),
    ]);
  });

  it('refuses two policies with the same id', () => {
    const duplicated = `${VALID_POLICY_FILE}${VALID_POLICY_FILE.slice(VALID_POLICY_FILE.indexOf('  - id:'))}`;

    const problems = problemsOf(duplicated);

    expect(problems).toEqual([expect.stringMatching(/^policies\[1\]\.id: duplicate "orders-db"/)]);
  });

  it('refuses a version it does not know', () => {
    const problems = problemsOf(VALID_POLICY_FILE.replace('version: 1', 'version: 2'));

    expect(problems).toEqual([expect.stringContaining('version: ')]);
  });

  it('refuses a file that is not YAML, naming the file', () => {
    expect(() => parsePolicySet('policies: [unclosed', 'broken.yaml')).toThrow(
      /policy file broken\.yaml is invalid:[\s\S]*not valid YAML/,
    );
  });

  it('refuses a role defined twice in one policy', () => {
    const twice = VALID_POLICY_FILE.replace('      db-admin:', '      read-only:');

    expect(() => parsePolicySet(twice, 'twice.yaml')).toThrow(/twice\.yaml[\s\S]*not valid YAML/);
  });

  it('refuses an empty file', () => {
    expect(problemsOf('')).toEqual([expect.stringContaining('(top level): ')]);
  });
});

describe(loadPolicyFile.name, () => {
  it('loads the example policy file shipped with the project', () => {
    const policies = loadPolicyFile(EXAMPLE_POLICY_FILE);

    expect(policies.policies.map((policy) => policy.id)).toEqual([
      'orders-prod',
      'staging-databases',
      'aws-prod-console',
      'payments-prod',
    ]);
    expect(policies.defaults.maxDurationMs).toBe(12 * HOUR);
    expect(policies.optOuts?.rules.map((rule) => rule.kind)).toEqual([
      'break-glass',
      'standing-exception',
      'legacy-exemption',
    ]);
  });

  it('names a file that cannot be read', () => {
    expect(() => loadPolicyFile('/nonexistent/access-policies.yaml')).toThrow(
      /policy file \/nonexistent\/access-policies\.yaml is invalid:[\s\S]*cannot be read/,
    );
  });
});
