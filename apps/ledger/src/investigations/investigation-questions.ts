import { AuditTrailRecord } from '../projections/audit-trail.projection';
import { AccessKind } from '../projections/current-grants.projection';
import { GrantHistoryRecord } from '../projections/grant-history.projection';

/**
 * The investigators' questions as pure functions of the folded grant history and audit trail, so
 * the live tables and a replay of the ledger answer them the same way. Instants in answers are
 * normalised to ISO-8601 with milliseconds, as the database returns them.
 */

/** A grant or opt-out through which someone held access, and who approved it. */
export interface AccessThrough {
  grantId: string;
  requestId: string;
  kind: AccessKind;
  startsAt: string;
  endsAt: string;
  endedAt: string | null;
  approvers: string[];
  automatic: boolean;
  policyId: string;
  issuedSeq: number;
}

/** One person's access to one role on a resource, and every grant or opt-out that gave it. */
export interface AccessHolder {
  subject: string;
  resource: string;
  role: string;
  /** The earliest start among the grants covering the instant. */
  since: string;
  /** Access lasts while any covering grant lasts: the latest of their ends. */
  until: string;
  through: AccessThrough[];
}

export interface AccessAtAnswer {
  resource: string;
  at: string;
  holders: AccessHolder[];
}

export interface AccessPeriod {
  from: string;
  until: string;
}

export interface HeldAccess {
  resource: string;
  role: string;
  /** When the subject held it within the asked range: overlapping grants merged, then clipped. */
  periods: AccessPeriod[];
  through: AccessThrough[];
}

export interface HeldAnswer {
  subject: string;
  from: string;
  to: string;
  held: HeldAccess[];
}

export type LifeKind = 'request' | 'grant' | 'opt-out';

/** An audit trail record with the reason its event states. */
export interface LifeRecord extends AuditTrailRecord {
  reason: string | null;
}

export interface LifeStep {
  seq: number;
  eventId: string;
  eventType: string;
  occurredAt: string;
  recordedAt: string;
  actor: string;
  reason: string | null;
  summary: string;
}

export interface LifeAnswer {
  kind: LifeKind;
  id: string;
  subject: string | null;
  resource: string | null;
  role: string | null;
  steps: LifeStep[];
}

/** When a grant really stopped giving access: its end as recorded, or else as scheduled. */
export function effectiveEnd(grant: GrantHistoryRecord): number {
  return Date.parse(grant.endedAt ?? grant.endsAt);
}

/** Whether the grant gave access at the instant: [startsAt, endedAt ?? endsAt) holds it. */
export function coversInstant(grant: GrantHistoryRecord, at: number): boolean {
  return Date.parse(grant.startsAt) <= at && at < effectiveEnd(grant);
}

/**
 * Who held access to the resource at the instant, one holder per subject and role, with every
 * grant or opt-out covering the instant: with overlapping grants, access continues while any lasts.
 */
export function whoHadAccess(
  grants: Iterable<GrantHistoryRecord>,
  query: { resource: string; at: string; subject?: string },
): AccessAtAnswer {
  const at = Date.parse(query.at);
  const covering = [...grants].filter(
    (grant) =>
      grant.resource === query.resource &&
      (query.subject === undefined || grant.subject === query.subject) &&
      coversInstant(grant, at),
  );

  const holders = groupBy(covering, (grant) => `${grant.subject}\n${grant.role}`).map(
    (group): AccessHolder => {
      const first = group[0]!;
      return {
        subject: first.subject,
        resource: first.resource,
        role: first.role,
        since: iso(Math.min(...group.map((grant) => Date.parse(grant.startsAt)))),
        until: iso(Math.max(...group.map(effectiveEnd))),
        through: sortedThrough(group),
      };
    },
  );
  holders.sort((a, b) => compare(a.subject, b.subject) || compare(a.role, b.role));
  return { resource: query.resource, at: iso(at), holders };
}

/**
 * What the subject held at any moment of [from, to): per resource and role, the periods of access
 * (overlapping or touching grants merged into one) and the grants and opt-outs that gave them.
 */
export function heldBySubject(
  grants: Iterable<GrantHistoryRecord>,
  query: { subject: string; from: string; to: string },
): HeldAnswer {
  const from = Date.parse(query.from);
  const to = Date.parse(query.to);
  const overlapping = [...grants].filter(
    (grant) =>
      grant.subject === query.subject &&
      Date.parse(grant.startsAt) < to &&
      from < effectiveEnd(grant) &&
      Date.parse(grant.startsAt) < effectiveEnd(grant),
  );

  const held = groupBy(overlapping, (grant) => `${grant.resource}\n${grant.role}`).map(
    (group): HeldAccess => ({
      resource: group[0]!.resource,
      role: group[0]!.role,
      periods: mergedPeriods(group, from, to),
      through: sortedThrough(group),
    }),
  );
  held.sort((a, b) => compare(a.resource, b.resource) || compare(a.role, b.role));
  return { subject: query.subject, from: iso(from), to: iso(to), held };
}

/**
 * Every step of a request, grant or opt-out, in ledger order, with its actor and reason. A grant's
 * life is its request's, from the ask to the revocation; an opt-out's is every record filed under
 * it. Null when the ledger holds nothing of it.
 */
export function lifeOf(
  records: Iterable<LifeRecord>,
  query: { kind: LifeKind; id: string },
  grant?: GrantHistoryRecord,
): LifeAnswer | null {
  const id = query.id.toLowerCase();
  const belongs = membership(query.kind, id, grant);
  if (belongs === null) return null;
  const steps = [...records].filter(belongs).sort((a, b) => a.seq - b.seq);
  if (steps.length === 0) return null;

  const described = steps.find((record) => record.subject !== null && record.role !== null);
  return {
    kind: query.kind,
    id,
    subject: described?.subject ?? null,
    resource: described?.resource ?? null,
    role: described?.role ?? null,
    steps: steps.map(toStep),
  };
}

/** Which records belong to the life asked about; for a grant, `grant` is the one asked about. */
function membership(
  kind: LifeKind,
  id: string,
  grant: GrantHistoryRecord | undefined,
): ((record: AuditTrailRecord) => boolean) | null {
  const same = (value: string | null) => value !== null && value.toLowerCase() === id;
  switch (kind) {
    case 'request':
      return (record) => same(record.requestId);
    case 'opt-out':
      return (record) => same(record.optOutId);
    case 'grant': {
      if (!grant || grant.grantId.toLowerCase() !== id) return null;
      const requestId = grant.requestId.toLowerCase();
      const ofOptOut = grant.kind !== 'jit';
      return (record) =>
        same(record.grantId) ||
        (ofOptOut
          ? record.optOutId?.toLowerCase() === requestId
          : record.requestId?.toLowerCase() === requestId);
    }
    default:
      return unreachable(kind);
  }
}

/** A grant of the folded history by its id, whatever case the events spelled it in. */
export function findGrant(
  grants: ReadonlyMap<string, GrantHistoryRecord>,
  id: string,
): GrantHistoryRecord | undefined {
  const exact = grants.get(id);
  if (exact) return exact;
  const wanted = id.toLowerCase();
  for (const grant of grants.values()) if (grant.grantId.toLowerCase() === wanted) return grant;
  return undefined;
}

function toStep(record: LifeRecord): LifeStep {
  return {
    seq: record.seq,
    eventId: record.eventId.toLowerCase(),
    eventType: record.eventType,
    occurredAt: iso(Date.parse(record.occurredAt)),
    recordedAt: iso(Date.parse(record.recordedAt)),
    actor: record.actor,
    reason: record.reason,
    summary: record.summary,
  };
}

function toThrough(grant: GrantHistoryRecord): AccessThrough {
  return {
    grantId: grant.grantId.toLowerCase(),
    requestId: grant.requestId.toLowerCase(),
    kind: grant.kind,
    startsAt: iso(Date.parse(grant.startsAt)),
    endsAt: iso(Date.parse(grant.endsAt)),
    endedAt: grant.endedAt === null ? null : iso(Date.parse(grant.endedAt)),
    approvers: [...grant.approvers],
    automatic: grant.automatic,
    policyId: grant.policyId,
    issuedSeq: grant.issuedSeq,
  };
}

function sortedThrough(grants: readonly GrantHistoryRecord[]): AccessThrough[] {
  return [...grants].sort((a, b) => a.issuedSeq - b.issuedSeq).map(toThrough);
}

/** The union of the grants' windows, clipped to [from, to), in order. */
function mergedPeriods(
  grants: readonly GrantHistoryRecord[],
  from: number,
  to: number,
): AccessPeriod[] {
  const windows = grants
    .map((grant) => ({ start: Date.parse(grant.startsAt), end: effectiveEnd(grant) }))
    .sort((a, b) => a.start - b.start || a.end - b.end);
  const merged: { start: number; end: number }[] = [];
  for (const window of windows) {
    const last = merged[merged.length - 1];
    if (last && window.start <= last.end) last.end = Math.max(last.end, window.end);
    else merged.push({ ...window });
  }
  return merged
    .map((window) => ({ start: Math.max(window.start, from), end: Math.min(window.end, to) }))
    .filter((window) => window.start < window.end)
    .map((window) => ({ from: iso(window.start), until: iso(window.end) }));
}

function groupBy<T>(items: readonly T[], keyOf: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    groups.set(key, [...(groups.get(key) ?? []), item]);
  }
  return [...groups.values()];
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

function unreachable(value: never): never {
  throw new Error(`unhandled life kind ${String(value)}`);
}
