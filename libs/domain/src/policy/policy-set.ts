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
}

// Own properties only, so a role named after an Object.prototype member is not found by accident.
export function findRole(policy: AccessPolicy, role: string): RolePolicy | null {
  return Object.hasOwn(policy.roles, role) ? (policy.roles[role] ?? null) : null;
}
