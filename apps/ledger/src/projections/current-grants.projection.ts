import { EventPayloads, OptOutKind } from '@app/contracts';
import { ProjectedEntry } from './projected-entry';

/** `jit` for a grant issued for a request; an opt-out's access is of its own kind. */
export type AccessKind = 'jit' | OptOutKind;

/**
 * A grant that was issued and has not expired yet, or an active opt-out. An opt-out's grant id and
 * request id are both its opt-out id, as in the AccessRevoked that ends it.
 */
export interface CurrentGrant {
  grantId: string;
  requestId: string;
  kind: AccessKind;
  subject: string;
  resource: string;
  role: string;
  startsAt: string;
  endsAt: string;
  approvers: string[];
  automatic: boolean;
  /** The policy that approved a grant, or the rule that allowed an opt-out. */
  policyId: string;
  issuedSeq: number;
}

/** A renewal moves the end of the grant that was there before it; `seq` is the renewal's. */
export interface GrantExtension {
  grantId: string;
  endsAt: string;
  seq: number;
}

export type CurrentGrantsChange =
  | { kind: 'grant-added'; grant: CurrentGrant }
  | { kind: 'grant-removed'; grantId: string }
  | { kind: 'grant-extended'; extension: GrantExtension };

export type CurrentGrantsState = ReadonlyMap<string, CurrentGrant>;

/**
 * An issued grant is current until it expires; an opt-out from its activation until it expires, is
 * revoked or lapses. Overlapping grants of the same subject, resource and role are separate
 * grants: one expiring leaves the others. An entry changes one grant at most; null when it
 * changes none.
 */
export function currentGrantsChange(entry: ProjectedEntry): CurrentGrantsChange | null {
  const { event } = entry;
  switch (event.type) {
    case 'GrantIssued':
      return { kind: 'grant-added', grant: issuedGrant(event.data, entry.seq) };
    case 'OptOutActivated':
      return { kind: 'grant-added', grant: activatedOptOut(event.data, entry.seq) };
    case 'OptOutRenewed':
      return { kind: 'grant-extended', extension: renewalOf(event.data, entry.seq) };
    case 'GrantExpired':
      return { kind: 'grant-removed', grantId: event.data.grantId };
    case 'OptOutExpired':
    case 'OptOutRevoked':
    case 'OptOutLapsed':
      return { kind: 'grant-removed', grantId: event.data.optOutId };
    default:
      return null;
  }
}

/** The grant as issued; the grant history records the same fields and when it ended. */
export function issuedGrant(data: EventPayloads['GrantIssued'], issuedSeq: number): CurrentGrant {
  return {
    grantId: data.grantId,
    requestId: data.requestId,
    kind: 'jit',
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

/** An active opt-out as a grant: nobody approved a break-glass, so it counts as automatic. */
export function activatedOptOut(
  data: EventPayloads['OptOutActivated'],
  issuedSeq: number,
): CurrentGrant {
  return {
    grantId: data.optOutId,
    requestId: data.optOutId,
    kind: data.kind,
    subject: data.subject,
    resource: data.resource,
    role: data.role,
    startsAt: data.startsAt,
    endsAt: data.endsAt,
    approvers: [...data.approvers],
    automatic: data.approvers.length === 0,
    policyId: data.ruleId,
    issuedSeq,
  };
}

export function renewalOf(data: EventPayloads['OptOutRenewed'], seq: number): GrantExtension {
  return { grantId: data.optOutId, endsAt: data.endsAt, seq };
}

/**
 * The meaning of the changes: adding keeps a grant already there; removing a missing one is a
 * no-op; an extension moves the end of a grant issued before it.
 */
export function applyCurrentGrantsChanges(
  state: CurrentGrantsState,
  changes: readonly CurrentGrantsChange[],
): CurrentGrantsState {
  const next = new Map(state);
  applyCurrentGrantsChangesInPlace(next, changes);
  return next;
}

/** `applyCurrentGrantsChanges` on a map the caller owns, for a fold that must not copy it. */
export function applyCurrentGrantsChangesInPlace(
  state: Map<string, CurrentGrant>,
  changes: readonly CurrentGrantsChange[],
): void {
  for (const change of changes) applyCurrentGrantsChangeInPlace(state, change);
}

/** One change, in place. */
export function applyCurrentGrantsChangeInPlace(
  state: Map<string, CurrentGrant>,
  change: CurrentGrantsChange,
): void {
  if (change.kind === 'grant-removed') {
    state.delete(change.grantId);
  } else if (change.kind === 'grant-extended') {
    const grant = state.get(change.extension.grantId);
    if (grant && grant.issuedSeq < change.extension.seq) {
      state.set(grant.grantId, extended(grant, change.extension.endsAt));
    }
  } else if (!state.has(change.grant.grantId)) {
    state.set(change.grant.grantId, change.grant);
  }
}

/** The grant with its new end, each field written out (a spread took V8's slow path). */
function extended(grant: CurrentGrant, endsAt: string): CurrentGrant {
  return {
    grantId: grant.grantId,
    requestId: grant.requestId,
    kind: grant.kind,
    subject: grant.subject,
    resource: grant.resource,
    role: grant.role,
    startsAt: grant.startsAt,
    endsAt,
    approvers: grant.approvers,
    automatic: grant.automatic,
    policyId: grant.policyId,
    issuedSeq: grant.issuedSeq,
  };
}

/**
 * The same effect as applying the changes one by one, as three set statements: remove every grant
 * removed in the batch, add the grants still added after their last removal (keeping any that
 * already exist), then extend the grants issued before each extension. An extension before a
 * removal in the batch is dropped with the grant it extended.
 */
export function netCurrentGrantsChanges(changes: readonly CurrentGrantsChange[]): {
  removed: string[];
  added: CurrentGrant[];
  extended: GrantExtension[];
} {
  const removed = new Set<string>();
  const added = new Map<string, CurrentGrant>();
  const extended = new Map<string, GrantExtension[]>();
  for (const change of changes) {
    if (change.kind === 'grant-removed') {
      removed.add(change.grantId);
      added.delete(change.grantId);
      extended.delete(change.grantId);
    } else if (change.kind === 'grant-extended') {
      const { grantId } = change.extension;
      extended.set(grantId, [...(extended.get(grantId) ?? []), change.extension]);
    } else if (!added.has(change.grant.grantId)) {
      added.set(change.grant.grantId, change.grant);
    }
  }
  return {
    removed: [...removed],
    added: [...added.values()],
    extended: [...extended.values()].flat(),
  };
}
