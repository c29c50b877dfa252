import { Principal } from '@app/contracts';
import {
  AutoApproveDecision,
  evaluateAccessRequest,
  MAX_DURATION_MS,
  parseDuration,
  PolicySet,
  RefuseDecision,
  RequireApprovalDecision,
} from '@app/domain';

export interface SubmissionInput {
  requester: Principal;
  resource: string;
  role: string;
  /** As the requester wrote it. */
  duration: string;
  ticket: string | null;
  startAt: Date | null;
  now: Date;
}

export type Refusal = Omit<RefuseDecision, 'kind'>;

export type SubmissionDecision =
  | { kind: 'invalid-duration'; reason: string }
  | { kind: 'refuse'; refusal: Refusal }
  | { kind: 'accept'; policy: AutoApproveDecision | RequireApprovalDecision };

// Longer than any maximum a policy file can hold, since those go through the same parser.
const BEYOND_ANY_MAXIMUM_MS = MAX_DURATION_MS + 1_000;

/**
 * Whether a request may be filed: its duration must be a strict ISO-8601 duration, and the
 * policies must not refuse it. A duration longer than the parser accepts (P9999D) is well formed,
 * so it is refused by the policy, naming the maximum, rather than reported as malformed.
 */
export function decideSubmission(policies: PolicySet, input: SubmissionInput): SubmissionDecision {
  const parsed = parseDuration(input.duration);
  if (!parsed.ok && parsed.error.code !== 'too-long') {
    return { kind: 'invalid-duration', reason: parsed.error.message };
  }

  const beyondAnyMaximum = !parsed.ok;
  const decision = evaluateAccessRequest(policies, {
    requester: input.requester,
    resource: input.resource,
    role: input.role,
    durationMs: parsed.ok ? parsed.value.milliseconds : BEYOND_ANY_MAXIMUM_MS,
    ticket: input.ticket,
    startAt: input.startAt,
    now: input.now,
  });

  if (decision.kind === 'refuse') {
    const { kind: _kind, ...refusal } = decision;
    if (beyondAnyMaximum && refusal.maximumDuration !== null) {
      return { kind: 'refuse', refusal: exceedsMaximum(input, refusal.maximumDuration, refusal) };
    }
    return { kind: 'refuse', refusal };
  }
  // A capping role would cut it down, but no service could read the requested duration back.
  if (beyondAnyMaximum) {
    const refusal = exceedsMaximum(input, decision.grantedDuration, {
      policyId: decision.policyId,
    });
    return { kind: 'refuse', refusal };
  }
  return { kind: 'accept', policy: decision };
}

function exceedsMaximum(
  input: SubmissionInput,
  maximumDuration: string,
  refusal: Pick<Refusal, 'policyId'>,
): Refusal {
  return {
    reason: 'duration-exceeds-maximum',
    message:
      `requested ${input.duration} exceeds the maximum ${maximumDuration} ` +
      `for ${input.role} on ${input.resource}`,
    maximumDuration,
    policyId: refusal.policyId,
  };
}
