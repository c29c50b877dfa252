import { EventPayloads, OptOutKind } from '@app/contracts';
import { findCoveringGrants, GrantWindow } from '@app/domain';

/** A JIT grant, or an opt-out held in the same table so that the two cover each other. */
export type GrantKind = 'jit-grant' | OptOutKind;

/** Only `active` gives access; the others say how it ended. */
export type GrantStatus = 'active' | 'expired' | 'revoked' | 'lapsed';

export interface ScheduledGrant extends GrantWindow {
  /** The request of a JIT grant; for an opt-out, its opt-out id (as is `grantId`). */
  requestId: string;
  kind: GrantKind;
  status: GrantStatus;
}

export type GrantEndEvent =
  | { type: 'GrantExpired'; data: EventPayloads['GrantExpired'] }
  | { type: 'OptOutExpired'; data: EventPayloads['OptOutExpired'] }
  | { type: 'AccessRevoked'; data: EventPayloads['AccessRevoked'] };

/** Why an opt-out stops giving access before its end instant. */
export type WithdrawalReason = 'revoked' | 'lapsed';

/** Grants with the same access key give the same access; decisions on one key are serialized. */
export type AccessKey = Pick<GrantWindow, 'subject' | 'resource' | 'role'>;

export function accessKeyOf(grant: AccessKey): string {
  return `${grant.subject}|${grant.resource}|${grant.role}`;
}

/**
 * What the end of `ending` emits, given the grants and opt-outs known for its access key. One that
 * is no longer active has nothing left to end. Access is revoked only by the last one holding it:
 * while another active one has started by the end instant, its own end will revoke it.
 */
export function decideGrantEnd(
  ending: ScheduledGrant,
  grantsOfKey: readonly ScheduledGrant[],
): GrantEndEvent[] {
  if (ending.status !== 'active') return [];

  const { coveringGrantIds, stillHeld } = coverageAt(ending, grantsOfKey, ending.endsAt);
  const expired = expiredEvent(ending, coveringGrantIds);
  if (stillHeld) return [expired];

  return [expired, accessRevoked(ending, ending.endsAt, 'expired')];
}

/**
 * What ending an opt-out early, at `at`, emits: only the revocation, and only when nothing else
 * active still holds the same access then.
 */
export function decideOptOutWithdrawal(
  ending: ScheduledGrant,
  grantsOfKey: readonly ScheduledGrant[],
  at: Date,
  reason: WithdrawalReason,
): GrantEndEvent[] {
  if (ending.status !== 'active' || ending.kind === 'jit-grant') return [];

  const { stillHeld } = coverageAt(ending, grantsOfKey, at);
  if (stillHeld) return [];

  return [accessRevoked(ending, at, reason)];
}

function coverageAt(
  ending: ScheduledGrant,
  grantsOfKey: readonly ScheduledGrant[],
  at: Date,
): { coveringGrantIds: string[]; stillHeld: boolean } {
  const otherActive = grantsOfKey.filter(
    (grant) =>
      grant.status === 'active' &&
      grant.grantId !== ending.grantId &&
      accessKeyOf(grant) === accessKeyOf(ending),
  );
  return {
    coveringGrantIds: findCoveringGrants(ending, otherActive, at).map((grant) => grant.grantId),
    stillHeld: otherActive.some((grant) => grant.startsAt <= at),
  };
}

function expiredEvent(ending: ScheduledGrant, coveringGrantIds: string[]): GrantEndEvent {
  const access = { subject: ending.subject, resource: ending.resource, role: ending.role };
  const endedAt = ending.endsAt.toISOString();
  if (ending.kind === 'jit-grant') {
    return {
      type: 'GrantExpired',
      data: {
        grantId: ending.grantId,
        requestId: ending.requestId,
        ...access,
        endedAt,
        coveringGrantIds,
      },
    };
  }
  return {
    type: 'OptOutExpired',
    data: { optOutId: ending.grantId, kind: ending.kind, ...access, endedAt, coveringGrantIds },
  };
}

function accessRevoked(
  last: ScheduledGrant,
  at: Date,
  reason: EventPayloads['AccessRevoked']['reason'],
): GrantEndEvent {
  return {
    type: 'AccessRevoked',
    data: {
      subject: last.subject,
      resource: last.resource,
      role: last.role,
      lastGrantId: last.grantId,
      requestId: last.requestId,
      revokedAt: at.toISOString(),
      reason,
    },
  };
}
