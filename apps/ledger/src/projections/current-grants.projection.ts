import { EventPayloads } from '@app/contracts';
import { ProjectedEntry } from './projected-entry';

/** A grant that was issued and has not expired yet. */
export interface CurrentGrant {
  grantId: string;
  requestId: string;
  subject: string;
  resource: string;
  role: string;
  startsAt: string;
  endsAt: string;
  approvers: string[];
  automatic: boolean;
  policyId: string;
  issuedSeq: number;
}

export type CurrentGrantsChange =
  { kind: 'grant-added'; grant: CurrentGrant } | { kind: 'grant-removed'; grantId: string };

export type CurrentGrantsState = ReadonlyMap<string, CurrentGrant>;

/**
 * An issued grant is current until it expires. Overlapping grants of the same subject, resource and
 * role are separate grants: one expiring leaves the others.
 */
export function currentGrantsChanges(entry: ProjectedEntry): CurrentGrantsChange[] {
  const { event } = entry;
  switch (event.type) {
    case 'GrantIssued': {
      const { data } = event;
      return [
        {
          kind: 'grant-added',
          grant: issuedGrant(data, entry.seq),
        },
      ];
    }
    case 'GrantExpired':
      return [{ kind: 'grant-removed', grantId: event.data.grantId }];
    default:
      return [];
  }
}

/** The grant as issued; the grant history records the same fields and when it ended. */
export function issuedGrant(data: EventPayloads['GrantIssued'], issuedSeq: number): CurrentGrant {
  return {
    grantId: data.grantId,
    requestId: data.requestId,
    subject: data.subject,
    resource: data.resource,
    role: data.role,
    startsAt: data.startsAt,
    endsAt: data.endsAt,
    approvers: [...data.approvers],
    automatic: data.automatic,
    policyId: data.policyId,
    issuedSeq,
  };
}

/** The meaning of the changes: adding keeps a grant already there; removing a missing one is a no-op. */
export function applyCurrentGrantsChanges(
  state: CurrentGrantsState,
  changes: readonly CurrentGrantsChange[],
): CurrentGrantsState {
  const next = new Map(state);
  for (const change of changes) {
    if (change.kind === 'grant-removed') next.delete(change.grantId);
    else if (!next.has(change.grant.grantId)) next.set(change.grant.grantId, change.grant);
  }
  return next;
}

/**
 * The same effect as applying the changes one by one, as two set statements: remove every grant
 * removed in the batch, then add the grants still added after their last removal, keeping any
 * that already exist.
 */
export function netCurrentGrantsChanges(changes: readonly CurrentGrantsChange[]): {
  removed: string[];
  added: CurrentGrant[];
} {
  const removed = new Set<string>();
  const added = new Map<string, CurrentGrant>();
  for (const change of changes) {
    if (change.kind === 'grant-removed') {
      removed.add(change.grantId);
      added.delete(change.grantId);
    } else if (!added.has(change.grant.grantId)) {
      added.set(change.grant.grantId, change.grant);
    }
  }
  return { removed: [...removed], added: [...added.values()] };
}
