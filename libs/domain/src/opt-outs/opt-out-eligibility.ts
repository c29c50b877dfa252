import { AttributeValue, OptOutKind, OptOutRefusalReason, Principal } from '@app/contracts';
import { addDuration, formatDuration } from '../durations/iso-duration';
import {
  AcceptedAttributeValue,
  OptOutPolicies,
  OptOutRule,
  PolicySet,
  ResourceMetadata,
} from '../policy/policy-set';
import { matchesResourcePattern } from '../policy/resource-pattern';

export interface OptOutEligibilityInput {
  kind: OptOutKind;
  requester: Principal;
  resource: string;
  role: string;
  /** As read by parseDuration: positive and a whole number of seconds. */
  durationMs: number;
  incident: string | null;
  ticket: string | null;
  owner: string | null;
  compensatingControls: string[];
  /** Whether the requester's break-glass eligibility is suspended by an overdue review. */
  suspended: boolean;
  now: Date;
}

/** What an opt-out will run for, and the deadlines that govern it, as the rule sets them. */
export interface OptOutTerms {
  durationMs: number;
  maximumDurationMs: number;
  reviewWithinMs: number | null;
  lapseAfterUnusedMs: number | null;
  recertifyBeforeMs: number | null;
  /** Null for break-glass, which is never renewed. */
  maxRenewals: number | null;
}

export interface OptOutWindow {
  startsAt: Date;
  endsAt: Date;
  reviewBy: Date | null;
  recertifyBy: Date | null;
}

export interface OptOutApprovalRequirement {
  approverGroups: string[];
  approvalsRequired: number;
}

export interface EligibleOptOut {
  eligible: true;
  rule: OptOutRule;
  terms: OptOutTerms;
  /** The window if it were activated at `now`; an approved opt-out starts when approved. */
  window: OptOutWindow;
  /** Null when it is active at once. */
  approval: OptOutApprovalRequirement | null;
}

export interface RefusedOptOut {
  eligible: false;
  reason: OptOutRefusalReason;
  /** What refused it, as a path into the policy file or the request; see checkConditions. */
  rule: string;
  message: string;
  /** The maximum that was exceeded, when that is the reason. */
  maximumDuration: string | null;
  /** The rule whose condition failed; null when no rule of the kind covers the request. */
  matchedRule: OptOutRule | null;
}

export type OptOutEligibilityResult = EligibleOptOut | RefusedOptOut;

type Refusal = Omit<RefusedOptOut, 'eligible' | 'matchedRule'>;

const KIND_NAMES: Record<OptOutKind, string> = {
  'break-glass': 'break-glass access',
  'standing-exception': 'a standing exception',
  'legacy-exemption': 'a legacy exemption',
};

/**
 * Whether an opt-out may be had, under which rule and on which terms. Compliance tags are
 * checked first and cannot be overridden by any rule. Of the rules of the kind that cover the
 * resource and role, the first whose conditions all hold is used; when none holds, the refusal
 * is the first failing condition of the first of them.
 */
export function evaluateOptOut(
  policies: PolicySet,
  input: OptOutEligibilityInput,
): OptOutEligibilityResult {
  const optOuts = policies.optOuts;
  if (optOuts === null) {
    return refuse(null, {
      reason: 'no-opt-out-rule',
      rule: 'optOuts',
      message: `the policy file allows no opt-outs, so ${KIND_NAMES[input.kind]} cannot be had`,
      maximumDuration: null,
    });
  }

  const forbidden = checkCompliance(optOuts, policies.resources, input);
  if (forbidden !== null) {
    return refuse(null, forbidden);
  }

  const candidates = optOuts.rules.filter((rule) => coversRequest(rule, input));
  const first = candidates[0];
  if (first === undefined) {
    return refuse(null, {
      reason: 'no-opt-out-rule',
      rule: 'optOuts.rules',
      message: `no ${input.kind} rule covers ${input.role} on ${input.resource}`,
      maximumDuration: null,
    });
  }

  const legacy = isLegacy(policies.resources, input.resource);
  let firstRefusal: Refusal | null = null;
  for (const rule of candidates) {
    const refusal = checkConditions(rule, input, legacy);
    if (refusal === null) {
      return eligible(rule, input);
    }
    firstRefusal ??= refusal;
  }
  return refuse(first, firstRefusal ?? unreachableRefusal());
}

/** The window and deadlines of an opt-out activated at `startsAt` on these terms. */
export function optOutWindow(terms: OptOutTerms, startsAt: Date): OptOutWindow {
  const endsAt = addDuration(startsAt, terms.durationMs);
  return {
    startsAt,
    endsAt,
    reviewBy: terms.reviewWithinMs === null ? null : addDuration(endsAt, terms.reviewWithinMs),
    recertifyBy: recertifyBy(terms, startsAt, endsAt),
  };
}

// Never before the start: a window shorter than the recertification lead is due at once.
function recertifyBy(terms: OptOutTerms, startsAt: Date, endsAt: Date): Date | null {
  if (terms.recertifyBeforeMs === null) {
    return null;
  }
  const due = endsAt.getTime() - terms.recertifyBeforeMs;
  return new Date(Math.max(due, startsAt.getTime()));
}

/** Tags of every resources entry that matches the resource, in file order, without repeats. */
export function resourceTags(resources: ResourceMetadata[], resource: string): string[] {
  const tags = resources
    .filter((entry) => entry.match.some((pattern) => matchesResourcePattern(pattern, resource)))
    .flatMap((entry) => entry.tags);
  return [...new Set(tags)];
}

function isLegacy(resources: ResourceMetadata[], resource: string): boolean {
  return resources.some(
    (entry) =>
      entry.legacy && entry.match.some((pattern) => matchesResourcePattern(pattern, resource)),
  );
}

function checkCompliance(
  optOuts: OptOutPolicies,
  resources: ResourceMetadata[],
  input: OptOutEligibilityInput,
): Refusal | null {
  for (const tag of resourceTags(resources, input.resource)) {
    const compliance = Object.hasOwn(optOuts.compliance, tag) ? optOuts.compliance[tag] : undefined;
    if (compliance?.forbid.includes(input.kind)) {
      return {
        reason: 'forbidden-by-compliance-tag',
        rule: `compliance.${tag}`,
        message: `${input.resource} is tagged ${tag}, which never allows ${KIND_NAMES[input.kind]}`,
        maximumDuration: null,
      };
    }
  }
  return null;
}

function coversRequest(rule: OptOutRule, input: OptOutEligibilityInput): boolean {
  return (
    rule.kind === input.kind &&
    rule.resources.some((pattern) => matchesResourcePattern(pattern, input.resource)) &&
    (rule.roles === null || rule.roles.includes(input.role))
  );
}

// The order of the checks is the order a refusal names them: who, what the token says,
// suspension, what the kind needs written down, and last how long.
//
// Every refusal names a path a reader can follow. Sections of the policy file stand alone
// (`optOuts`, `optOuts.rules`, `compliance.<tag>`, `resources` for the legacy flag). Anything a
// rule decides starts with the rule's id: then the rule's own field when the policy sets the
// condition (`<id>.eligible.groups`, `<id>.eligible.attributes.<name>`, `<id>.reviewWithin`,
// `<id>.requireTicket`, `<id>.maxDuration`), or the request's field when the kind always needs it
// (`<id>.incident`, `<id>.owner`, `<id>.compensatingControls`). No rule field has those names, so
// the two cannot be confused.
function checkConditions(
  rule: OptOutRule,
  input: OptOutEligibilityInput,
  legacyResource: boolean,
): Refusal | null {
  return (
    checkGroups(rule, input) ??
    checkAttributes(rule, input) ??
    checkSuspension(rule, input) ??
    checkKindRequirements(rule, input, legacyResource) ??
    checkDuration(rule, input)
  );
}

function checkGroups(rule: OptOutRule, input: OptOutEligibilityInput): Refusal | null {
  if (input.requester.groups.some((group) => rule.eligible.groups.includes(group))) {
    return null;
  }
  return {
    reason: 'not-eligible',
    rule: `${rule.id}.eligible.groups`,
    message:
      `${input.requester.id} is in none of the groups ${rule.eligible.groups.join(', ')} ` +
      `that ${rule.id} allows`,
    maximumDuration: null,
  };
}

function checkAttributes(rule: OptOutRule, input: OptOutEligibilityInput): Refusal | null {
  for (const [name, accepted] of Object.entries(rule.eligible.attributes)) {
    const value = Object.hasOwn(input.requester.attributes ?? {}, name)
      ? input.requester.attributes?.[name]
      : undefined;
    if (!meetsAttribute(value, accepted)) {
      const found = value === undefined ? 'no' : `${JSON.stringify(value)} as`;
      return {
        reason: 'attribute-not-met',
        rule: `${rule.id}.eligible.attributes.${name}`,
        message:
          `${input.requester.id}'s token has ${found} ${name}; ${rule.id} needs ${name} to be ` +
          `one of ${accepted.map((v) => JSON.stringify(v)).join(', ')}`,
        maximumDuration: null,
      };
    }
  }
  return null;
}

/** A scalar must equal an accepted value; a list must contain at least one of them. */
export function meetsAttribute(
  value: AttributeValue | undefined,
  accepted: AcceptedAttributeValue[],
): boolean {
  if (value === undefined) {
    return false;
  }
  if (Array.isArray(value)) {
    return value.some((item) => accepted.includes(item));
  }
  return accepted.includes(value);
}

function checkSuspension(rule: OptOutRule, input: OptOutEligibilityInput): Refusal | null {
  if (rule.kind !== 'break-glass' || !input.suspended) {
    return null;
  }
  return {
    reason: 'eligibility-suspended',
    rule: `${rule.id}.reviewWithin`,
    message:
      `${input.requester.id} may not break glass until their overdue post-incident reviews ` +
      'are done',
    maximumDuration: null,
  };
}

function checkKindRequirements(
  rule: OptOutRule,
  input: OptOutEligibilityInput,
  legacyResource: boolean,
): Refusal | null {
  switch (rule.kind) {
    case 'break-glass':
      return isBlank(input.incident)
        ? requirement(
            'incident-required',
            `${rule.id}.incident`,
            'break-glass access needs an incident',
          )
        : null;
    case 'standing-exception':
      return rule.requireTicket && isBlank(input.ticket)
        ? requirement(
            'ticket-required',
            `${rule.id}.requireTicket`,
            `${rule.id} grants standing exceptions only for a ticket`,
          )
        : null;
    case 'legacy-exemption':
      return checkLegacyRequirements(rule, input, legacyResource);
    default:
      return unreachable(rule);
  }
}

function checkLegacyRequirements(
  rule: OptOutRule,
  input: OptOutEligibilityInput,
  legacyResource: boolean,
): Refusal | null {
  if (!legacyResource) {
    return requirement(
      'not-a-legacy-resource',
      'resources',
      `${input.resource} is not flagged legacy, so it cannot have a legacy exemption`,
    );
  }
  const owner = input.owner?.trim() ?? '';
  if (owner === '') {
    return requirement(
      'owner-required',
      `${rule.id}.owner`,
      'a legacy exemption needs a named owner',
    );
  }
  if (isSamePerson(owner, input.requester.id)) {
    return requirement(
      'owner-is-requester',
      `${rule.id}.owner`,
      `${input.requester.id} cannot own their own legacy exemption: its owner answers for it ` +
        'and recertifies it, so must be someone else',
    );
  }
  if (input.compensatingControls.every((control) => control.trim() === '')) {
    return requirement(
      'compensating-controls-required',
      `${rule.id}.compensatingControls`,
      'a legacy exemption needs at least one compensating control written down',
    );
  }
  return null;
}

// Without case or surrounding spaces: an id spelt another way still names the same person.
function isSamePerson(owner: string, requesterId: string): boolean {
  return owner.trim().toLowerCase() === requesterId.trim().toLowerCase();
}

function checkDuration(rule: OptOutRule, input: OptOutEligibilityInput): Refusal | null {
  if (input.durationMs <= rule.maxDurationMs) {
    return null;
  }
  const maximum = formatDuration(rule.maxDurationMs);
  return {
    reason: 'duration-exceeds-maximum',
    rule: `${rule.id}.maxDuration`,
    message:
      `requested ${formatDuration(input.durationMs)} exceeds the maximum ${maximum} ` +
      `of ${rule.id} for ${input.role} on ${input.resource}`,
    maximumDuration: maximum,
  };
}

function eligible(rule: OptOutRule, input: OptOutEligibilityInput): EligibleOptOut {
  const terms: OptOutTerms = {
    durationMs: input.durationMs,
    maximumDurationMs: rule.maxDurationMs,
    reviewWithinMs: rule.kind === 'break-glass' ? rule.reviewWithinMs : null,
    lapseAfterUnusedMs: rule.kind === 'standing-exception' ? rule.lapseAfterUnusedMs : null,
    recertifyBeforeMs: rule.kind === 'legacy-exemption' ? rule.recertifyBeforeMs : null,
    maxRenewals: rule.kind === 'break-glass' ? null : rule.maxRenewals,
  };
  const approval =
    rule.approval === null
      ? null
      : {
          approverGroups: rule.approval.groups,
          approvalsRequired: rule.approval.approvalsRequired,
        };
  return { eligible: true, rule, terms, window: optOutWindow(terms, input.now), approval };
}

function refuse(matchedRule: OptOutRule | null, refusal: Refusal): RefusedOptOut {
  return { eligible: false, ...refusal, matchedRule };
}

function requirement(reason: OptOutRefusalReason, rule: string, message: string): Refusal {
  return { reason, rule, message, maximumDuration: null };
}

function isBlank(value: string | null): boolean {
  return value === null || value.trim() === '';
}

function unreachableRefusal(): never {
  throw new Error('a rule that matched neither refused nor allowed the opt-out');
}

function unreachable(value: never): never {
  throw new Error(`unhandled opt-out rule ${JSON.stringify(value)}`);
}
