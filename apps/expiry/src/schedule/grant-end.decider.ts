import { EventPayloads } from '@app/contracts';
import { findCoveringGrants, GrantWindow } from '@app/domain';

export type GrantStatus = 'active' | 'expired';

export interface ScheduledGrant extends GrantWindow {
  requestId: string;
  status: GrantStatus;
}

export type GrantEndEvent =
  | { type: 'GrantExpired'; data: EventPayloads['GrantExpired'] }
  | { type: 'AccessRevoked'; data: EventPayloads['AccessRevoked'] };

/** Grants with the same access key give the same access; decisions on one key are serialized. */
export type AccessKey = Pick<GrantWindow, 'subject' | 'resource' | 'role'>;

export function accessKeyOf(grant: AccessKey): string {
  return `${grant.subject}|${grant.resource}|${grant.role}`;
}

/**
 * What the end of `ending` emits, given the grants known for its access key. A grant that is no
 * longer active has nothing left to end. Access is revoked only by the last grant holding it: while
 * another active grant has started by the end instant, that grant's own end will revoke it.
 */
export function decideGrantEnd(
  ending: ScheduledGrant,
  grantsOfKey: readonly ScheduledGrant[],
): GrantEndEvent[] {
  if (ending.status !== 'active') return [];

  const otherActive = grantsOfKey.filter(
    (grant) =>
      grant.status === 'active' &&
      grant.grantId !== ending.grantId &&
      accessKeyOf(grant) === accessKeyOf(ending),
  );
  const covering = findCoveringGrants(ending, otherActive, ending.endsAt);
  const stillHeld = otherActive.some((grant) => grant.startsAt <= ending.endsAt);

  const expired: GrantEndEvent = {
    type: 'GrantExpired',
    data: {
      grantId: ending.grantId,
      requestId: ending.requestId,
      subject: ending.subject,
      resource: ending.resource,
      role: ending.role,
      endedAt: ending.endsAt.toISOString(),
      coveringGrantIds: covering.map((grant) => grant.grantId),
    },
  };
  if (stillHeld) return [expired];

  return [
    expired,
    {
      type: 'AccessRevoked',
      data: {
        subject: ending.subject,
        resource: ending.resource,
        role: ending.role,
        lastGrantId: ending.grantId,
        requestId: ending.requestId,
        revokedAt: ending.endsAt.toISOString(),
        reason: 'expired',
      },
    },
  ];
}
