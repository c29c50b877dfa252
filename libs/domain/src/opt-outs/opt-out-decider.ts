import {
  EventPayloads,
  OptOutDeadline,
  OptOutKind,
  OptOutRefusalReason,
  Principal,
} from '@app/contracts';
import { formatDuration } from '../durations/iso-duration';
import {
  EligibleOptOut,
  OptOutApprovalRequirement,
  OptOutEligibilityResult,
  OptOutTerms,
  optOutWindow,
} from './opt-out-eligibility';

export type OptOutStatus =
  'refused' | 'pending' | 'active' | 'denied' | 'revoked' | 'lapsed' | 'expired';

/** Only break-glass is reviewed: `due` once active, `overdue` past its deadline, then `done`. */
export type ReviewStatus = 'none' | 'due' | 'overdue' | 'done';

/** Instants are ISO-8601 text, so the state is stored and shown as it is. */
export interface OptOutState {
  optOutId: string;
  kind: OptOutKind;
  status: OptOutStatus;
  requester: Principal;
  resource: string;
  role: string;
  /** As the requester wrote it. */
  requestedDuration: string;
  justification: string;
  incident: string | null;
  ticket: string | null;
  owner: string | null;
  compensatingControls: string[];
  requestedAt: string;
  correlationId: string;
  ruleId: string | null;
  /** Null for a refused opt-out. */
  terms: OptOutTerms | null;
  refusal: {
    reason: OptOutRefusalReason;
    rule: string;
    message: string;
    maximumDuration: string | null;
  } | null;
  approval: OptOutApprovalRequirement | null;
  approvals: { approver: string; comment: string | null; at: string }[];
  denial: { deniedBy: string; comment: string | null; at: string } | null;
  activatedAt: string | null;
  startsAt: string | null;
  endsAt: string | null;
  reviewBy: string | null;
  recertifyBy: string | null;
  review: {
    status: ReviewStatus;
    reviewer: string | null;
    outcome: 'justified' | 'unjustified' | null;
    notes: string | null;
    late: boolean | null;
    reviewedAt: string | null;
    overdueAt: string | null;
  };
  uses: number;
  lastUsedAt: string | null;
  renewals: {
    renewedBy: string;
    attestation: string;
    previousEndsAt: string;
    endsAt: string;
    duration: string;
    renewedAt: string;
  }[];
  /** The recertification deadline last announced as due, so it is announced once. */
  recertificationDueAt: string | null;
  ended: { reason: 'revoked' | 'lapsed' | 'expired'; by: string | null; at: string } | null;
}

/** The opt-out events this service emits, as type and payload. */
export type OptOutEmittedType =
  | 'OptOutRequested'
  | 'OptOutRefused'
  | 'OptOutApprovalRecorded'
  | 'OptOutDenied'
  | 'OptOutActivated'
  | 'OptOutRenewed'
  | 'OptOutUsed'
  | 'OptOutLapsed'
  | 'OptOutRevoked'
  | 'BreakGlassReviewOverdue'
  | 'BreakGlassReviewed'
  | 'BreakGlassEligibilitySuspended'
  | 'BreakGlassEligibilityRestored'
  | 'LegacyExemptionRecertificationDue';

export type OptOutOutcome = {
  [K in OptOutEmittedType]: { type: K; data: EventPayloads[K] };
}[OptOutEmittedType];

/** What changes an opt-out: its own outcomes, and the end the expiry service announces. */
export type OptOutFact =
  OptOutOutcome | { type: 'OptOutExpired'; data: EventPayloads['OptOutExpired'] };

export interface OptOutRequestInput {
  optOutId: string;
  kind: OptOutKind;
  requester: Principal;
  resource: string;
  role: string;
  duration: string;
  justification: string;
  incident: string | null;
  ticket: string | null;
  owner: string | null;
  compensatingControls: string[];
  correlationId: string;
  now: Date;
}

/** Who plays which part, from the policy file at the time of the command. */
export interface OptOutRoles {
  securityLeadGroups: string[];
  usageReporterGroups: string[];
}

export type OptOutCommand =
  | { kind: 'approve'; approver: Principal; comment: string | null }
  | { kind: 'deny'; approver: Principal; comment: string | null }
  | { kind: 'renew'; by: Principal; durationMs: number; attestation: string }
  | { kind: 'report-use'; by: Principal }
  | { kind: 'revoke'; by: Principal; reason: string }
  | {
      kind: 'review';
      reviewer: Principal;
      outcome: 'justified' | 'unjustified';
      notes: string;
      /** Whether the subject is suspended, and how many other overdue reviews they have open. */
      subject: { suspended: boolean; otherOverdueReviews: number };
    }
  | {
      kind: 'pass-deadline';
      deadline: OptOutDeadline;
      dueAt: string;
      subject: { suspended: boolean };
    };

export type OptOutErrorCode =
  | 'not-pending'
  | 'not-active'
  | 'self-approval'
  | 'not-an-approver'
  | 'already-approved-by-you'
  | 'break-glass-not-renewable'
  | 'not-allowed-to-renew'
  | 'renewal-limit-reached'
  | 'attestation-not-fresh'
  | 'duration-exceeds-maximum'
  | 'not-allowed-to-report-use'
  | 'not-allowed-to-revoke'
  | 'not-a-break-glass'
  | 'not-activated'
  | 'already-reviewed'
  | 'self-review'
  | 'not-a-security-lead';

export interface OptOutError {
  code: OptOutErrorCode;
  message: string;
  /** For duration-exceeds-maximum and renewal-limit-reached: the policy path that refused it. */
  rule?: string;
  maximumDuration?: string;
  /** For renewal-limit-reached: how many renewals its rule allows. */
  maxRenewals?: number;
}

export type OptOutDecision =
  { ok: true; events: OptOutOutcome[] } | { ok: false; error: OptOutError };

export const OptOutErrorHttpStatus: Record<OptOutErrorCode, number> = {
  'not-pending': 409,
  'not-active': 409,
  'self-approval': 403,
  'not-an-approver': 403,
  'already-approved-by-you': 409,
  'break-glass-not-renewable': 409,
  'not-allowed-to-renew': 403,
  'renewal-limit-reached': 409,
  'attestation-not-fresh': 422,
  'duration-exceeds-maximum': 422,
  'not-allowed-to-report-use': 403,
  'not-allowed-to-revoke': 403,
  'not-a-break-glass': 409,
  'not-activated': 409,
  'already-reviewed': 409,
  'self-review': 403,
  'not-a-security-lead': 403,
};

/**
 * A new opt-out: OptOutRequested, then OptOutRefused when it is not eligible, OptOutActivated
 * when it needs no approval, or nothing more while it waits for approvers.
 */
export function requestOptOut(
  request: OptOutRequestInput,
  eligibility: OptOutEligibilityResult,
): { state: OptOutState; events: OptOutOutcome[] } {
  const rule = eligibility.eligible ? eligibility.rule : eligibility.matchedRule;
  const at = request.now.toISOString();
  const requested: OptOutOutcome = {
    type: 'OptOutRequested',
    data: {
      optOutId: request.optOutId,
      kind: request.kind,
      requester: request.requester,
      resource: request.resource,
      role: request.role,
      duration: request.duration,
      justification: request.justification,
      incident: request.incident,
      ticket: request.ticket,
      owner: request.owner,
      compensatingControls: request.compensatingControls,
      ruleId: rule?.id ?? null,
      maximumDuration: rule === null ? null : formatDuration(rule.maxDurationMs),
      approval: eligibility.eligible ? eligibility.approval : null,
      requestedAt: at,
    },
  };
  const events: OptOutOutcome[] = [requested, ...outcomeOfRequest(request, eligibility)];

  const initial = initialState(request, eligibility);
  return { state: events.reduce(evolveOptOut, initial), events };
}

function outcomeOfRequest(
  request: OptOutRequestInput,
  eligibility: OptOutEligibilityResult,
): OptOutOutcome[] {
  if (!eligibility.eligible) {
    return [
      {
        type: 'OptOutRefused',
        data: {
          optOutId: request.optOutId,
          kind: request.kind,
          requester: request.requester,
          resource: request.resource,
          role: request.role,
          duration: request.duration,
          reason: eligibility.reason,
          rule: eligibility.rule,
          message: eligibility.message,
          maximumDuration: eligibility.maximumDuration,
          refusedAt: request.now.toISOString(),
        },
      },
    ];
  }
  if (eligibility.approval !== null) {
    return [];
  }
  const state = initialState(request, eligibility);
  return [activation(state, eligibility.terms, request.now, [])];
}

function initialState(
  request: OptOutRequestInput,
  eligibility: OptOutEligibilityResult,
): OptOutState {
  const eligible: EligibleOptOut | null = eligibility.eligible ? eligibility : null;
  const rule = eligibility.eligible ? eligibility.rule : eligibility.matchedRule;
  return {
    optOutId: request.optOutId,
    kind: request.kind,
    status: 'pending',
    requester: request.requester,
    resource: request.resource,
    role: request.role,
    requestedDuration: request.duration,
    justification: request.justification,
    incident: request.incident,
    ticket: request.ticket,
    owner: request.owner,
    compensatingControls: request.compensatingControls,
    requestedAt: request.now.toISOString(),
    correlationId: request.correlationId,
    ruleId: rule?.id ?? null,
    terms: eligible?.terms ?? null,
    refusal: null,
    approval: eligible?.approval ?? null,
    approvals: [],
    denial: null,
    activatedAt: null,
    startsAt: null,
    endsAt: null,
    reviewBy: null,
    recertifyBy: null,
    review: {
      status: 'none',
      reviewer: null,
      outcome: null,
      notes: null,
      late: null,
      reviewedAt: null,
      overdueAt: null,
    },
    uses: 0,
    lastUsedAt: null,
    renewals: [],
    recertificationDueAt: null,
    ended: null,
  };
}

export function decideOptOut(
  state: OptOutState,
  command: OptOutCommand,
  roles: OptOutRoles,
  now: Date,
): OptOutDecision {
  switch (command.kind) {
    case 'approve':
      return approve(state, command.approver, command.comment, now);
    case 'deny':
      return deny(state, command.approver, command.comment, now);
    case 'renew':
      return renew(state, command.by, command.durationMs, command.attestation, now);
    case 'report-use':
      return reportUse(state, command.by, roles, now);
    case 'revoke':
      return revoke(state, command.by, command.reason, roles, now);
    case 'review':
      return review(state, command, roles, now);
    case 'pass-deadline':
      return passDeadline(state, command, now);
    default:
      return unreachable(command);
  }
}

export function evolveOptOut(state: OptOutState, fact: OptOutFact): OptOutState {
  switch (fact.type) {
    case 'OptOutRequested':
      return state;
    case 'OptOutRefused': {
      const { reason, rule, message, maximumDuration } = fact.data;
      return { ...state, status: 'refused', refusal: { reason, rule, message, maximumDuration } };
    }
    case 'OptOutApprovalRecorded': {
      if (state.approvals.some((approval) => approval.approver === fact.data.approver)) {
        return state;
      }
      const approval = {
        approver: fact.data.approver,
        comment: fact.data.comment,
        at: fact.data.recordedAt,
      };
      return { ...state, approvals: [...state.approvals, approval] };
    }
    case 'OptOutDenied':
      return {
        ...state,
        status: 'denied',
        denial: {
          deniedBy: fact.data.deniedBy,
          comment: fact.data.comment,
          at: fact.data.deniedAt,
        },
      };
    case 'OptOutActivated':
      return {
        ...state,
        status: 'active',
        activatedAt: fact.data.activatedAt,
        startsAt: fact.data.startsAt,
        endsAt: fact.data.endsAt,
        reviewBy: fact.data.reviewBy,
        recertifyBy: fact.data.recertifyBy,
        review: { ...state.review, status: state.kind === 'break-glass' ? 'due' : 'none' },
      };
    case 'OptOutRenewed': {
      const { renewedBy, attestation, previousEndsAt, endsAt, duration, renewedAt } = fact.data;
      return {
        ...state,
        endsAt,
        recertifyBy: fact.data.recertifyBy,
        renewals: [
          ...state.renewals,
          { renewedBy, attestation, previousEndsAt, endsAt, duration, renewedAt },
        ],
      };
    }
    case 'OptOutUsed':
      return {
        ...state,
        uses: state.uses + 1,
        lastUsedAt: latest(state.lastUsedAt, fact.data.usedAt),
      };
    case 'OptOutLapsed':
      return {
        ...state,
        status: 'lapsed',
        ended: { reason: 'lapsed', by: null, at: fact.data.lapsedAt },
      };
    case 'OptOutRevoked':
      return {
        ...state,
        status: 'revoked',
        ended: { reason: 'revoked', by: fact.data.revokedBy, at: fact.data.revokedAt },
      };
    case 'OptOutExpired':
      // Only an opt-out still active ends by expiry; one revoked or lapsed keeps how it ended.
      if (state.status !== 'active') {
        return state;
      }
      return {
        ...state,
        status: 'expired',
        ended: { reason: 'expired', by: null, at: fact.data.endedAt },
      };
    case 'BreakGlassReviewOverdue':
      return {
        ...state,
        review: { ...state.review, status: 'overdue', overdueAt: fact.data.overdueAt },
      };
    case 'BreakGlassReviewed':
      return {
        ...state,
        review: {
          ...state.review,
          status: 'done',
          reviewer: fact.data.reviewer,
          outcome: fact.data.outcome,
          notes: fact.data.notes,
          late: fact.data.late,
          reviewedAt: fact.data.reviewedAt,
        },
      };
    case 'BreakGlassEligibilitySuspended':
    case 'BreakGlassEligibilityRestored':
      // The suspension belongs to the person, not to this opt-out.
      return state;
    case 'LegacyExemptionRecertificationDue':
      return { ...state, recertificationDueAt: fact.data.dueAt };
    default:
      return unreachable(fact);
  }
}

// Limitation: a pending opt-out has no decision deadline; it waits until someone approves or
// denies it, and gives no access meanwhile.
function approve(
  state: OptOutState,
  approver: Principal,
  comment: string | null,
  now: Date,
): OptOutDecision {
  const refusal = checkApprover(state, approver);
  if (refusal !== null) {
    return { ok: false, error: refusal };
  }
  if (state.approvals.some((approval) => approval.approver === approver.id)) {
    return fail('already-approved-by-you', `${approver.id} has already approved ${state.optOutId}`);
  }

  const approval = state.approval ?? unreachableApproval(state);
  const approvers = [...state.approvals.map((recorded) => recorded.approver), approver.id];
  const recorded: OptOutOutcome = {
    type: 'OptOutApprovalRecorded',
    data: {
      optOutId: state.optOutId,
      approver: approver.id,
      comment,
      approvalsCount: approvers.length,
      approvalsRequired: approval.approvalsRequired,
      recordedAt: now.toISOString(),
    },
  };
  if (approvers.length < approval.approvalsRequired) {
    return { ok: true, events: [recorded] };
  }
  return { ok: true, events: [recorded, activation(state, termsOf(state), now, approvers)] };
}

function deny(
  state: OptOutState,
  approver: Principal,
  comment: string | null,
  now: Date,
): OptOutDecision {
  const refusal = checkApprover(state, approver);
  if (refusal !== null) {
    return { ok: false, error: refusal };
  }
  const denied: OptOutOutcome = {
    type: 'OptOutDenied',
    data: { optOutId: state.optOutId, deniedBy: approver.id, comment, deniedAt: now.toISOString() },
  };
  return { ok: true, events: [denied] };
}

// The requester is checked before the groups: being in an approver group never lets them decide.
function checkApprover(state: OptOutState, approver: Principal): OptOutError | null {
  if (state.status !== 'pending' || state.approval === null) {
    return error('not-pending', `${state.optOutId} is ${state.status}, not waiting for approval`);
  }
  if (approver.id === state.requester.id) {
    return error(
      'self-approval',
      `${approver.id} asked for ${state.optOutId} and cannot decide it`,
    );
  }
  const groups = state.approval.approverGroups;
  if (!approver.groups.some((group) => groups.includes(group))) {
    return error(
      'not-an-approver',
      `${approver.id} is in none of the approver groups ${groups.join(', ')}`,
    );
  }
  return null;
}

// The limit comes before the attestation and the duration: no other wording or length would help.
function renew(
  state: OptOutState,
  by: Principal,
  durationMs: number,
  attestation: string,
  now: Date,
): OptOutDecision {
  if (state.kind === 'break-glass') {
    return fail(
      'break-glass-not-renewable',
      'break-glass access cannot be renewed; break glass again, with its own incident',
    );
  }
  if (state.status !== 'active') {
    return fail('not-active', `${state.optOutId} is ${state.status}, not active`);
  }
  const renewer = state.kind === 'legacy-exemption' ? state.owner : state.requester.id;
  if (by.id !== renewer) {
    const who = state.kind === 'legacy-exemption' ? 'its owner' : 'its subject';
    return fail('not-allowed-to-renew', `only ${who} ${renewer ?? ''} may renew ${state.optOutId}`);
  }
  const terms = termsOf(state);
  const limitReached = checkRenewalLimit(state);
  if (limitReached !== null) {
    return { ok: false, error: limitReached };
  }
  const repeated = repeatedStatement(state, attestation);
  if (repeated !== null) {
    return fail(
      'attestation-not-fresh',
      `the attestation repeats ${repeated}; say what still makes ${state.optOutId} necessary now`,
    );
  }
  if (durationMs > terms.maximumDurationMs) {
    const maximum = formatDuration(terms.maximumDurationMs);
    return {
      ok: false,
      error: {
        code: 'duration-exceeds-maximum',
        message: `renewal for ${formatDuration(durationMs)} exceeds the maximum ${maximum} of ${state.ruleId ?? 'its rule'}`,
        rule: `${state.ruleId ?? 'optOuts.rules'}.maxDuration`,
        maximumDuration: maximum,
      },
    };
  }

  const window = optOutWindow({ ...terms, durationMs }, now);
  const renewed: OptOutOutcome = {
    type: 'OptOutRenewed',
    data: {
      ...accessOf(state),
      renewedBy: by.id,
      attestation,
      previousEndsAt: state.endsAt ?? now.toISOString(),
      endsAt: window.endsAt.toISOString(),
      duration: formatDuration(durationMs),
      recertifyBy: window.recertifyBy?.toISOString() ?? null,
      renewedAt: now.toISOString(),
    },
  };
  return { ok: true, events: [renewed] };
}

/** How many renewals its terms allow in all; null for one never renewed, or never active. */
export function renewalsAllowed(state: OptOutState): number | null {
  if (state.kind === 'break-glass' || state.terms === null) {
    return null;
  }
  // One recorded before its rule had maxRenewals carries no limit: it is taken as having none
  // left, so that it still ends, and its holder asks for a new one.
  return state.terms.maxRenewals ?? 0;
}

function checkRenewalLimit(state: OptOutState): OptOutError | null {
  const allowed = renewalsAllowed(state) ?? 0;
  if (state.renewals.length < allowed) {
    return null;
  }
  const ruleId = state.ruleId ?? 'optOuts.rules';
  return {
    code: 'renewal-limit-reached',
    message:
      `${ruleId} allows ${renewalCount(allowed)} of a ${state.kind} and ${state.optOutId} has ` +
      `had ${renewalCount(state.renewals.length)}; it ends at ${state.endsAt ?? 'its end'}, ` +
      'after which a new one must be asked for',
    rule: `${ruleId}.maxRenewals`,
    maxRenewals: allowed,
  };
}

function renewalCount(count: number): string {
  return count === 1 ? '1 renewal' : `${count} renewals`;
}

// Limitation: freshness is judged on the text only; the same claim in other words ("x", then
// "x.") passes, and whether an attestation says anything is left to the people who read it.
/** What the attestation says again, if it is the justification or an earlier attestation. */
function repeatedStatement(state: OptOutState, attestation: string): string | null {
  const said = comparableText(attestation);
  if (comparableText(state.justification) === said) {
    return 'its justification';
  }
  const earlier = state.renewals.findIndex(
    (renewal) => comparableText(renewal.attestation) === said,
  );
  return earlier === -1 ? null : `the attestation of renewal ${earlier + 1}`;
}

/**
 * Text as a reader would tell it apart: the same words with other spacing, case or
 * compatibility forms of the same characters are the same statement.
 */
export function comparableText(text: string): string {
  return text.normalize('NFKC').trim().replace(/\s+/g, ' ').toLowerCase();
}

function reportUse(
  state: OptOutState,
  by: Principal,
  roles: OptOutRoles,
  now: Date,
): OptOutDecision {
  const reporter = by.id === state.requester.id || isInAnyGroup(by, roles.usageReporterGroups);
  if (!reporter) {
    return fail(
      'not-allowed-to-report-use',
      `${by.id} is neither the subject of ${state.optOutId} nor a usage reporter`,
    );
  }
  if (state.status !== 'active') {
    return fail('not-active', `${state.optOutId} is ${state.status}, not active`);
  }
  const used: OptOutOutcome = {
    type: 'OptOutUsed',
    data: { optOutId: state.optOutId, reportedBy: by.id, usedAt: now.toISOString() },
  };
  return { ok: true, events: [used] };
}

function revoke(
  state: OptOutState,
  by: Principal,
  reason: string,
  roles: OptOutRoles,
  now: Date,
): OptOutDecision {
  if (by.id !== state.requester.id && !isInAnyGroup(by, roles.securityLeadGroups)) {
    return fail(
      'not-allowed-to-revoke',
      `${by.id} is neither the subject of ${state.optOutId} nor a security lead`,
    );
  }
  if (state.status !== 'active') {
    return fail('not-active', `${state.optOutId} is ${state.status}, not active`);
  }
  const revoked: OptOutOutcome = {
    type: 'OptOutRevoked',
    data: { ...accessOf(state), revokedBy: by.id, reason, revokedAt: now.toISOString() },
  };
  return { ok: true, events: [revoked] };
}

function review(
  state: OptOutState,
  command: Extract<OptOutCommand, { kind: 'review' }>,
  roles: OptOutRoles,
  now: Date,
): OptOutDecision {
  if (state.kind !== 'break-glass') {
    return fail(
      'not-a-break-glass',
      `${state.optOutId} is a ${state.kind}; only break-glass is reviewed`,
    );
  }
  if (state.activatedAt === null) {
    return fail(
      'not-activated',
      `${state.optOutId} was never active, so there is nothing to review`,
    );
  }
  if (state.review.status === 'done') {
    return fail(
      'already-reviewed',
      `${state.optOutId} was reviewed by ${state.review.reviewer ?? ''}`,
    );
  }
  if (command.reviewer.id === state.requester.id) {
    return fail(
      'self-review',
      `${command.reviewer.id} broke glass in ${state.optOutId} and cannot review it`,
    );
  }
  if (!isInAnyGroup(command.reviewer, roles.securityLeadGroups)) {
    return fail('not-a-security-lead', `${command.reviewer.id} is not a security lead`);
  }

  const at = now.toISOString();
  const reviewed: OptOutOutcome = {
    type: 'BreakGlassReviewed',
    data: {
      optOutId: state.optOutId,
      subject: state.requester.id,
      reviewer: command.reviewer.id,
      outcome: command.outcome,
      notes: command.notes,
      late: state.reviewBy !== null && now.getTime() > Date.parse(state.reviewBy),
      reviewedAt: at,
    },
  };
  const closesLastOverdue =
    state.review.status === 'overdue' &&
    command.subject.suspended &&
    command.subject.otherOverdueReviews === 0;
  if (!closesLastOverdue) {
    return { ok: true, events: [reviewed] };
  }
  const restored: OptOutOutcome = {
    type: 'BreakGlassEligibilityRestored',
    data: { optOutId: state.optOutId, subject: state.requester.id, restoredAt: at },
  };
  return { ok: true, events: [reviewed, restored] };
}

// A deadline is scheduled ahead and may find the opt-out already changed; that is no error.
function passDeadline(
  state: OptOutState,
  command: Extract<OptOutCommand, { kind: 'pass-deadline' }>,
  now: Date,
): OptOutDecision {
  switch (command.deadline) {
    case 'unused-lapse':
      return { ok: true, events: lapseIfUnused(state, command.dueAt, now) };
    case 'review':
      return { ok: true, events: reviewOverdue(state, command.subject.suspended, now) };
    case 'recertification':
      return { ok: true, events: recertificationDue(state, command.dueAt) };
    default:
      return unreachable(command.deadline);
  }
}

function lapseIfUnused(state: OptOutState, dueAt: string, now: Date): OptOutOutcome[] {
  const lapseMs = state.terms?.lapseAfterUnusedMs ?? null;
  if (state.status !== 'active' || lapseMs === null) {
    return [];
  }
  const windowStart = Date.parse(dueAt) - lapseMs;
  if (state.lastUsedAt !== null && Date.parse(state.lastUsedAt) > windowStart) {
    return [];
  }
  return [
    {
      type: 'OptOutLapsed',
      data: {
        ...accessOf(state),
        uses: state.uses,
        lastUsedAt: state.lastUsedAt,
        unusedFor: formatDuration(lapseMs),
        lapsedAt: now.toISOString(),
      },
    },
  ];
}

function reviewOverdue(state: OptOutState, suspended: boolean, now: Date): OptOutOutcome[] {
  if (state.kind !== 'break-glass' || state.review.status !== 'due' || state.reviewBy === null) {
    return [];
  }
  const at = now.toISOString();
  const overdue: OptOutOutcome = {
    type: 'BreakGlassReviewOverdue',
    data: {
      optOutId: state.optOutId,
      subject: state.requester.id,
      resource: state.resource,
      role: state.role,
      incident: state.incident,
      reviewBy: state.reviewBy,
      overdueAt: at,
    },
  };
  if (suspended) {
    return [overdue];
  }
  const suspension: OptOutOutcome = {
    type: 'BreakGlassEligibilitySuspended',
    data: { optOutId: state.optOutId, subject: state.requester.id, suspendedAt: at },
  };
  return [overdue, suspension];
}

// A renewal since the deadline was set moved recertifyBy past it: the owner has recertified.
function recertificationDue(state: OptOutState, dueAt: string): OptOutOutcome[] {
  if (
    state.kind !== 'legacy-exemption' ||
    state.status !== 'active' ||
    state.recertifyBy === null ||
    state.owner === null ||
    state.endsAt === null ||
    Date.parse(state.recertifyBy) > Date.parse(dueAt) ||
    state.recertificationDueAt === state.recertifyBy
  ) {
    return [];
  }
  return [
    {
      type: 'LegacyExemptionRecertificationDue',
      data: {
        ...accessOf(state),
        owner: state.owner,
        endsAt: state.endsAt,
        dueAt: state.recertifyBy,
      },
    },
  ];
}

function activation(
  state: OptOutState,
  terms: OptOutTerms,
  now: Date,
  approvers: string[],
): OptOutOutcome {
  const window = optOutWindow(terms, now);
  return {
    type: 'OptOutActivated',
    data: {
      ...accessOf(state),
      startsAt: window.startsAt.toISOString(),
      endsAt: window.endsAt.toISOString(),
      duration: formatDuration(terms.durationMs),
      ruleId: ruleIdOf(state),
      justification: state.justification,
      approvers,
      incident: state.incident,
      ticket: state.ticket,
      owner: state.owner,
      compensatingControls: state.compensatingControls,
      reviewBy: window.reviewBy?.toISOString() ?? null,
      lapseAfterUnused:
        terms.lapseAfterUnusedMs === null ? null : formatDuration(terms.lapseAfterUnusedMs),
      recertifyBy: window.recertifyBy?.toISOString() ?? null,
      activatedAt: now.toISOString(),
    },
  };
}

function accessOf(state: OptOutState) {
  return {
    optOutId: state.optOutId,
    kind: state.kind,
    subject: state.requester.id,
    resource: state.resource,
    role: state.role,
  };
}

function termsOf(state: OptOutState): OptOutTerms {
  if (state.terms === null) {
    throw new Error(`opt-out ${state.optOutId} has no terms: it was refused`);
  }
  return state.terms;
}

function ruleIdOf(state: OptOutState): string {
  if (state.ruleId === null) {
    throw new Error(`opt-out ${state.optOutId} has no rule: it was refused`);
  }
  return state.ruleId;
}

function latest(current: string | null, candidate: string): string {
  return current !== null && Date.parse(current) > Date.parse(candidate) ? current : candidate;
}

function isInAnyGroup(principal: Principal, groups: string[]): boolean {
  return principal.groups.some((group) => groups.includes(group));
}

function error(code: OptOutErrorCode, message: string): OptOutError {
  return { code, message };
}

function fail(code: OptOutErrorCode, message: string): OptOutDecision {
  return { ok: false, error: error(code, message) };
}

function unreachableApproval(state: OptOutState): never {
  throw new Error(`opt-out ${state.optOutId} is pending without an approval rule`);
}

function unreachable(value: never): never {
  throw new Error(`unhandled case ${JSON.stringify(value)}`);
}
