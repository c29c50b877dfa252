import { OptOutKind } from '@app/contracts';

export type OverMaximum = 'refuse' | 'cap';

export interface AutoApproveRule {
  name: string;
  requesterGroups: string[];
  maxDurationMs: number;
  requireTicket: boolean;
}

export interface RolePolicy {
  role: string;
  requesters: { groups: string[]; users: string[] };
  approvers: { groups: string[] };
  approvalsRequired: number;
  /** Null when the role sets none and the product-wide default applies. */
  maxDurationMs: number | null;
  overMaximum: OverMaximum;
  /** In file order; the first rule that matches wins. */
  autoApprove: AutoApproveRule[];
}

export interface AccessPolicy {
  id: string;
  description: string | null;
  /** Glob patterns; `*` matches any run of characters. */
  resources: string[];
  roles: Record<string, RolePolicy>;
}

export interface PolicyDefaults {
  maxDurationMs: number;
  decisionTimeoutMs: number;
  maxStartDelayMs: number;
}

/** A validated policy file, with every duration in milliseconds. */
export interface PolicySet {
  /** Where the policies were read from, for messages and logs. */
  source: string;
  defaults: PolicyDefaults;
  /** In file order; the first policy whose pattern matches a resource wins. */
  policies: AccessPolicy[];
  /** In file order; a resource carries the tags of every entry that matches it. */
  resources: ResourceMetadata[];
  /** Null when the file has no optOuts section: then no opt-out is allowed. */
  optOuts: OptOutPolicies | null;
}

// Own properties only, so a role named after an Object.prototype member is not found by accident.
export function findRole(policy: AccessPolicy, role: string): RolePolicy | null {
  return Object.hasOwn(policy.roles, role) ? (policy.roles[role] ?? null) : null;
}

/** Metadata about the resources a set of patterns matches. */
export interface ResourceMetadata {
  match: string[];
  tags: string[];
  legacy: boolean;
}

export type AcceptedAttributeValue = string | boolean | number;

export interface OptOutEligibility {
  groups: string[];
  /** Attribute name to the values that satisfy it; every attribute listed must be met. */
  attributes: Record<string, AcceptedAttributeValue[]>;
}

export interface OptOutApprovalPolicy {
  groups: string[];
  approvalsRequired: number;
}

interface OptOutRuleBase {
  id: string;
  description: string | null;
  resources: string[];
  /** Null when the rule covers every role. */
  roles: string[] | null;
  eligible: OptOutEligibility;
  maxDurationMs: number;
}

export interface BreakGlassRule extends OptOutRuleBase {
  kind: 'break-glass';
  approval: null;
  reviewWithinMs: number;
}

export interface StandingExceptionRule extends OptOutRuleBase {
  kind: 'standing-exception';
  requireTicket: boolean;
  approval: OptOutApprovalPolicy;
  lapseAfterUnusedMs: number;
  /** How many times it may be renewed; then it ends and a new one must be asked for. */
  maxRenewals: number;
}

export interface LegacyExemptionRule extends OptOutRuleBase {
  kind: 'legacy-exemption';
  approval: OptOutApprovalPolicy | null;
  recertifyBeforeMs: number;
  /** How many times its owner may recertify it; then it ends and a new one must be asked for. */
  maxRenewals: number;
}

export type OptOutRule = BreakGlassRule | StandingExceptionRule | LegacyExemptionRule;

export interface OptOutPolicies {
  securityLeads: { groups: string[] };
  /** Who may report uses of an opt-out besides its subject, e.g. a privileged-access gateway. */
  usageReporters: { groups: string[] };
  /** Resource tag to the opt-out kinds it never allows. */
  compliance: Record<string, { forbid: OptOutKind[] }>;
  /** In file order; of the rules that match a request, the first whose conditions hold is used. */
  rules: OptOutRule[];
}
