import { Principal, RefusalReason } from '@app/contracts';
import { formatDuration } from '../durations/iso-duration';
import { AccessPolicy, AutoApproveRule, PolicySet, RolePolicy, findRole } from './policy-set';
import { matchesResourcePattern } from './resource-pattern';

export interface AccessRequestInput {
  requester: Principal;
  resource: string;
  role: string;
  /** As read by parseDuration: positive and a whole number of seconds. */
  durationMs: number;
  ticket: string | null;
  startAt: Date | null;
  now: Date;
}

export interface RefuseDecision {
  kind: 'refuse';
  reason: RefusalReason;
  message: string;
  /** The maximum that was exceeded, when that is the reason. */
  maximumDuration: string | null;
  policyId: string | null;
}

interface GrantedDuration {
  grantedDurationMs: number;
  grantedDuration: string;
  /** True when the request asked for more than the maximum and was cut down to it. */
  capped: boolean;
}

export interface AutoApproveDecision extends GrantedDuration {
  kind: 'auto-approve';
  policyId: string;
  rule: string;
}

export interface RequireApprovalDecision extends GrantedDuration {
  kind: 'require-approval';
  policyId: string;
  approverGroups: string[];
  approvalsRequired: number;
  decisionTimeoutMs: number;
}

export type PolicyDecision = RefuseDecision | AutoApproveDecision | RequireApprovalDecision;

// Clocks differ and a request takes time to arrive; "now" as the requester saw it must pass.
export const START_IN_PAST_TOLERANCE_MS = 60_000;

/**
 * Decides what happens to an access request: refused, approved by a rule, or sent to approvers.
 * The first policy in file order whose resource pattern matches decides.
 */
export function evaluateAccessRequest(
  policies: PolicySet,
  input: AccessRequestInput,
): PolicyDecision {
  const policy = policies.policies.find((candidate) => coversResource(candidate, input.resource));
  if (policy === undefined) {
    return refuse('no-matching-policy', `no policy covers ${input.resource}`, null);
  }
  const role = findRole(policy, input.role);
  if (role === null) {
    return refuse(
      'no-matching-policy',
      `policy ${policy.id} has no role ${input.role} for ${input.resource}`,
      policy.id,
    );
  }

  if (!mayRequest(role, input.requester)) {
    return refuse(
      'not-eligible',
      `${input.requester.id} may not request ${input.role} on ${input.resource}`,
      policy.id,
    );
  }

  const startRefusal = checkStart(input, policies.defaults.maxStartDelayMs, policy.id);
  if (startRefusal !== null) {
    return startRefusal;
  }

  const maximumMs = role.maxDurationMs ?? policies.defaults.maxDurationMs;
  if (input.durationMs > maximumMs && role.overMaximum === 'refuse') {
    const maximum = formatDuration(maximumMs);
    return {
      ...refuse(
        'duration-exceeds-maximum',
        `requested ${formatDuration(input.durationMs)} exceeds the maximum ${maximum} ` +
          `for ${input.role} on ${input.resource}`,
        policy.id,
      ),
      maximumDuration: maximum,
    };
  }
  const granted = grantedDuration(input.durationMs, maximumMs);

  const rule = role.autoApprove.find((candidate) => autoApproves(candidate, input, granted));
  if (rule !== undefined) {
    return { kind: 'auto-approve', policyId: policy.id, rule: rule.name, ...granted };
  }

  return {
    kind: 'require-approval',
    policyId: policy.id,
    approverGroups: role.approvers.groups,
    approvalsRequired: role.approvalsRequired,
    decisionTimeoutMs: policies.defaults.decisionTimeoutMs,
    ...granted,
  };
}

function coversResource(policy: AccessPolicy, resource: string): boolean {
  return policy.resources.some((pattern) => matchesResourcePattern(pattern, resource));
}

function mayRequest(role: RolePolicy, requester: Principal): boolean {
  return (
    role.requesters.users.includes(requester.id) || isInAnyGroup(requester, role.requesters.groups)
  );
}

function checkStart(
  input: AccessRequestInput,
  maxStartDelayMs: number,
  policyId: string,
): RefuseDecision | null {
  if (input.startAt === null) {
    return null;
  }

  const aheadMs = input.startAt.getTime() - input.now.getTime();
  if (aheadMs < -START_IN_PAST_TOLERANCE_MS) {
    return refuse(
      'start-in-the-past',
      `requested start ${input.startAt.toISOString()} is in the past`,
      policyId,
    );
  }
  if (aheadMs > maxStartDelayMs) {
    return refuse(
      'start-too-far-ahead',
      `requested start ${input.startAt.toISOString()} is more than ` +
        `${formatDuration(maxStartDelayMs)} ahead`,
      policyId,
    );
  }
  return null;
}

// The request gets exactly what it asked for, or the maximum with `capped` saying so.
function grantedDuration(requestedMs: number, maximumMs: number): GrantedDuration {
  const capped = requestedMs > maximumMs;
  const grantedDurationMs = capped ? maximumMs : requestedMs;
  return { grantedDurationMs, grantedDuration: formatDuration(grantedDurationMs), capped };
}

function autoApproves(
  rule: AutoApproveRule,
  input: AccessRequestInput,
  granted: GrantedDuration,
): boolean {
  const hasTicket = input.ticket !== null && input.ticket.trim() !== '';
  return (
    isInAnyGroup(input.requester, rule.requesterGroups) &&
    granted.grantedDurationMs <= rule.maxDurationMs &&
    (!rule.requireTicket || hasTicket)
  );
}

function isInAnyGroup(principal: Principal, groups: string[]): boolean {
  return principal.groups.some((group) => groups.includes(group));
}

function refuse(reason: RefusalReason, message: string, policyId: string | null): RefuseDecision {
  return { kind: 'refuse', reason, message, maximumDuration: null, policyId };
}
