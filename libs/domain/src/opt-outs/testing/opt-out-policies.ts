import { Principal } from '@app/contracts';
import { parsePolicySet } from '../../policy/policy-loader';
import { PolicySet } from '../../policy/policy-set';
import { OptOutEligibilityInput } from '../opt-out-eligibility';

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;
export const NOW = new Date('2026-12-03T10:00:00.000Z');

/** The design's example policy file, with the pci tag on the payments databases. */
export const OPT_OUT_POLICY_YAML = `
version: 1
defaults: { maxDuration: PT12H, decisionTimeout: PT24H, maxStartDelay: P7D }
policies: []
resources:
  - match: ['db:payments-*']
    tags: [pci]
  - match: ['app:mainframe-*']
    legacy: true
optOuts:
  securityLeads: { groups: [security-leads] }
  usageReporters: { groups: [pam-gateway] }
  compliance:
    pci: { forbid: [standing-exception, legacy-exemption] }
  rules:
    - id: prod-break-glass
      kind: break-glass
      resources: ['db:*-prod', 'db:payments-*']
      roles: [read-only, db-admin]
      eligible:
        groups: [sre]
        attributes: { onCall: [true], training: [break-glass-2026] }
      maxDuration: PT4H
      reviewWithin: P2D
    - id: replication-debugging
      kind: standing-exception
      resources: ['db:orders-prod', 'db:payments-prod']
      eligible: { groups: [dba], attributes: { seniority: [senior, staff] } }
      maxDuration: P30D
      approval: { groups: [security-leads], approvalsRequired: 1 }
      lapseAfterUnused: P7D
      maxRenewals: 2
    - id: mainframe-legacy
      kind: legacy-exemption
      resources: ['app:mainframe-*', 'db:orders-prod']
      eligible: { groups: [mainframe-ops] }
      maxDuration: P90D
      recertifyBefore: P14D
      maxRenewals: 1
`;

export const OPT_OUT_POLICIES: PolicySet = parsePolicySet(OPT_OUT_POLICY_YAML, 'opt-outs.yaml');

export const onCallSre: Principal = {
  id: 'u-301',
  groups: ['sre'],
  attributes: { onCall: true, training: ['break-glass-2026', 'aws-2025'] },
};
export const seniorDba: Principal = {
  id: 'u-302',
  groups: ['dba'],
  attributes: { seniority: 'senior' },
};
export const mainframeOperator: Principal = { id: 'u-303', groups: ['mainframe-ops'] };
export const securityLead: Principal = { id: 'u-190', groups: ['security-leads'] };

export function aBreakGlass(
  overrides: Partial<OptOutEligibilityInput> = {},
): OptOutEligibilityInput {
  return {
    kind: 'break-glass',
    requester: onCallSre,
    resource: 'db:orders-prod',
    role: 'db-admin',
    durationMs: 2 * HOUR_MS,
    incident: 'INC-9001',
    ticket: null,
    owner: null,
    compensatingControls: [],
    suspended: false,
    now: NOW,
    ...overrides,
  };
}

export function aStandingException(
  overrides: Partial<OptOutEligibilityInput> = {},
): OptOutEligibilityInput {
  return aBreakGlass({
    kind: 'standing-exception',
    requester: seniorDba,
    role: 'read-only',
    durationMs: 14 * DAY_MS,
    incident: null,
    ticket: 'CHG-77',
    ...overrides,
  });
}

export function aLegacyExemption(
  overrides: Partial<OptOutEligibilityInput> = {},
): OptOutEligibilityInput {
  return aBreakGlass({
    kind: 'legacy-exemption',
    requester: mainframeOperator,
    resource: 'app:mainframe-billing',
    role: 'operator',
    durationMs: 60 * DAY_MS,
    incident: null,
    owner: 'u-900',
    compensatingControls: ['session recording', 'weekly log review'],
    ...overrides,
  });
}
