import { EventPayloads, Principal } from '@app/contracts';
import { addDuration } from '../durations/iso-duration';

export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'expired';

export interface ApprovalState {
  requestId: string;
  requester: Principal;
  approverGroups: string[];
  approvalsRequired: number;
  status: ApprovalStatus;
  /** In the order they were recorded. */
  approvals: { approver: string; at: string }[];
  decideBy: string;
  policyId: string;
}

export type ApprovalCommand =
  | { kind: 'approve'; approver: Principal; comment: string | null }
  | { kind: 'deny'; approver: Principal; comment: string | null }
  | { kind: 'expire' };

export type ApprovalOutcome =
  | { type: 'ApprovalRecorded'; data: EventPayloads['ApprovalRecorded'] }
  | { type: 'RequestApproved'; data: EventPayloads['RequestApproved'] }
  | { type: 'RequestDenied'; data: EventPayloads['RequestDenied'] }
  | { type: 'RequestExpired'; data: EventPayloads['RequestExpired'] };

export interface ApprovalError {
  code: 'already-resolved' | 'self-approval' | 'not-an-approver' | 'already-approved-by-you';
  message: string;
}

export type ApprovalDecision =
  { ok: true; events: ApprovalOutcome[] } | { ok: false; error: ApprovalError };

export const ApprovalErrorHttpStatus: Record<ApprovalError['code'], number> = {
  'self-approval': 403,
  'not-an-approver': 403,
  'already-resolved': 409,
  'already-approved-by-you': 409,
};

/** The state of a request that has just been sent to its approvers. */
export function startApproval(requested: EventPayloads['ApprovalRequested']): ApprovalState {
  return {
    requestId: requested.requestId,
    requester: requested.requester,
    approverGroups: requested.approverGroups,
    approvalsRequired: requested.approvalsRequired,
    status: 'pending',
    approvals: [],
    decideBy: requested.decideBy,
    policyId: requested.policyId,
  };
}

// Limitation: the decision deadline is enforced only by the expire command; an approval that
// arrives after decideBy but before the expiry is processed still counts.
export function decideApproval(
  state: ApprovalState,
  command: ApprovalCommand,
  now: Date,
): ApprovalDecision {
  switch (command.kind) {
    case 'approve':
      return approve(state, command.approver, command.comment, now);
    case 'deny':
      return deny(state, command.approver, command.comment, now);
    case 'expire':
      return expire(state, now);
    default:
      return unreachable(command);
  }
}

export function evolveApproval(state: ApprovalState, outcome: ApprovalOutcome): ApprovalState {
  switch (outcome.type) {
    case 'ApprovalRecorded': {
      // A redelivered record must not count the same approver twice.
      if (state.approvals.some((approval) => approval.approver === outcome.data.approver)) {
        return state;
      }
      const approval = { approver: outcome.data.approver, at: outcome.data.recordedAt };
      return { ...state, approvals: [...state.approvals, approval] };
    }
    case 'RequestApproved':
      return { ...state, status: 'approved' };
    case 'RequestDenied':
      return { ...state, status: 'denied' };
    case 'RequestExpired':
      return { ...state, status: 'expired' };
    default:
      return unreachable(outcome);
  }
}

/** Access starts when approved, or at the requested start if that is later, and lasts exactly. */
export function computeGrantWindow(
  approvedAt: Date,
  startAt: Date | null,
  durationMs: number,
): { startsAt: Date; endsAt: Date } {
  const startsAt =
    startAt !== null && startAt.getTime() > approvedAt.getTime()
      ? new Date(startAt)
      : new Date(approvedAt);
  return { startsAt, endsAt: addDuration(startsAt, durationMs) };
}

function approve(
  state: ApprovalState,
  approver: Principal,
  comment: string | null,
  now: Date,
): ApprovalDecision {
  const refusal = checkDecider(state, approver);
  if (refusal !== null) {
    return { ok: false, error: refusal };
  }
  if (state.approvals.some((approval) => approval.approver === approver.id)) {
    return fail(
      'already-approved-by-you',
      `${approver.id} has already approved request ${state.requestId}`,
    );
  }

  const at = now.toISOString();
  const approvers = [...state.approvals.map((approval) => approval.approver), approver.id];
  const recorded: ApprovalOutcome = {
    type: 'ApprovalRecorded',
    data: {
      requestId: state.requestId,
      approver: approver.id,
      comment,
      approvalsCount: approvers.length,
      approvalsRequired: state.approvalsRequired,
      recordedAt: at,
    },
  };
  if (approvers.length < state.approvalsRequired) {
    return { ok: true, events: [recorded] };
  }

  const approved: ApprovalOutcome = {
    type: 'RequestApproved',
    data: {
      requestId: state.requestId,
      approvers,
      automatic: false,
      policyId: state.policyId,
      approvedAt: at,
    },
  };
  return { ok: true, events: [recorded, approved] };
}

function deny(
  state: ApprovalState,
  approver: Principal,
  comment: string | null,
  now: Date,
): ApprovalDecision {
  const refusal = checkDecider(state, approver);
  if (refusal !== null) {
    return { ok: false, error: refusal };
  }

  const denied: ApprovalOutcome = {
    type: 'RequestDenied',
    data: {
      requestId: state.requestId,
      deniedBy: approver.id,
      comment,
      deniedAt: now.toISOString(),
    },
  };
  return { ok: true, events: [denied] };
}

// Expiry is scheduled and may fire after someone decided; that is no one's mistake.
function expire(state: ApprovalState, now: Date): ApprovalDecision {
  if (state.status !== 'pending') {
    return { ok: true, events: [] };
  }

  const expired: ApprovalOutcome = {
    type: 'RequestExpired',
    data: { requestId: state.requestId, decideBy: state.decideBy, expiredAt: now.toISOString() },
  };
  return { ok: true, events: [expired] };
}

/** Whether this person may decide this request at all, whichever way. */
function checkDecider(state: ApprovalState, approver: Principal): ApprovalError | null {
  if (state.status !== 'pending') {
    return error('already-resolved', `request ${state.requestId} is already ${state.status}`);
  }
  // Checked before group membership: being in an approver group never makes it allowed.
  if (approver.id === state.requester.id) {
    return error(
      'self-approval',
      `${approver.id} requested ${state.requestId} and cannot decide it`,
    );
  }
  if (!approver.groups.some((group) => state.approverGroups.includes(group))) {
    return error(
      'not-an-approver',
      `${approver.id} is in none of the approver groups ${state.approverGroups.join(', ')}`,
    );
  }
  return null;
}

function error(code: ApprovalError['code'], message: string): ApprovalError {
  return { code, message };
}

function fail(code: ApprovalError['code'], message: string): ApprovalDecision {
  return { ok: false, error: error(code, message) };
}

function unreachable(value: never): never {
  throw new Error(`unhandled case ${JSON.stringify(value)}`);
}
