import { randomUUID } from 'node:crypto';
import { DomainEvent, EventEnvelope, OptOutKind, Principal } from '@app/contracts';
import { anEvent } from '@app/contracts/testing';
import { TestStack } from './stack';
import { waitFor } from './wait-for';
import { withDatabase } from './test-namespace';

// Events as the other services would publish them, built for the ledger's tests: each names its
// own instant, which is both the payload's and the envelope's time.

export const at = (base: string, minutes: number) =>
  new Date(Date.parse(base) + minutes * 60_000).toISOString();

export interface OptOutSpec {
  kind?: OptOutKind;
  requester: Principal;
  resource: string;
  role?: string;
  /** When it is requested and, unless it needs approval, activated. */
  time: string;
  duration?: string;
  maximumDuration?: string | null;
  approvers?: string[];
}

export interface BuiltOptOut {
  optOutId: string;
  access: { optOutId: string; kind: OptOutKind; subject: string; resource: string; role: string };
  requested: EventEnvelope<'OptOutRequested'>;
  activated: EventEnvelope<'OptOutActivated'>;
}

/** An opt-out requested and activated at `time`, for `duration` (PT1H by default). */
export function anOptOut(spec: OptOutSpec): BuiltOptOut {
  const optOutId = randomUUID();
  const kind = spec.kind ?? 'break-glass';
  const role = spec.role ?? 'db-admin';
  const duration = spec.duration ?? 'PT1H';
  const access = { optOutId, kind, subject: spec.requester.id, resource: spec.resource, role };
  const options = { time: spec.time };
  const requested = anEvent(
    'OptOutRequested',
    {
      optOutId,
      kind,
      requester: spec.requester,
      resource: spec.resource,
      role,
      duration,
      maximumDuration: spec.maximumDuration === undefined ? 'PT4H' : spec.maximumDuration,
      approval: spec.approvers?.length
        ? { approverGroups: ['security-leads'], approvalsRequired: 1 }
        : null,
      requestedAt: spec.time,
    },
    options,
  );
  const activated = anEvent(
    'OptOutActivated',
    {
      ...access,
      startsAt: spec.time,
      endsAt: at(spec.time, 60),
      duration,
      approvers: spec.approvers ?? [],
      reviewBy: kind === 'break-glass' ? at(spec.time, 60 * 49) : null,
      lapseAfterUnused: kind === 'standing-exception' ? 'P7D' : null,
      recertifyBy: null,
      activatedAt: spec.time,
    },
    options,
  );
  return { optOutId, access, requested, activated };
}

/** A request that asked for approval at `time` and was approved `afterSeconds` later. */
export function anApprovedRequest(spec: {
  requester: Principal;
  approver: string;
  resource: string;
  time: string;
  afterSeconds: number;
  justification?: string;
}): { requestId: string; events: DomainEvent[] } {
  const requestId = randomUUID();
  const target = { requestId, requester: spec.requester, resource: spec.resource };
  const justification = spec.justification ?? 'Rebuild the corrupted index';
  const approvedAt = new Date(Date.parse(spec.time) + spec.afterSeconds * 1000).toISOString();
  return {
    requestId,
    events: [
      anEvent(
        'AccessRequested',
        { ...target, justification, submittedAt: spec.time },
        {
          time: spec.time,
        },
      ),
      anEvent('ApprovalRequested', { ...target, justification }, { time: spec.time }),
      anEvent(
        'ApprovalRecorded',
        { requestId, approver: spec.approver, recordedAt: approvedAt },
        { time: approvedAt },
      ),
    ],
  };
}

export async function publish(stack: TestStack, events: readonly DomainEvent[]): Promise<void> {
  await stack.probe.publish(
    stack.topics.accessEvents,
    events.map((event) => ({ key: event.partitionKey, value: JSON.stringify(event) })),
  );
}

/** Waits until the ledger holds `count` entries and the anomaly detector has read them all. */
export async function waitForDetection(stack: TestStack, count: number): Promise<void> {
  await waitFor(
    `${count} ledger entries read by the anomaly detector`,
    () =>
      withDatabase(stack.namespace.databaseUrl, async (client) => {
        const { rows } = await client.query<{ entries: string; cursor: string }>(
          `SELECT (SELECT count(*) FROM ledger.ledger_entries) AS entries,
             (SELECT last_seq FROM ledger.anomaly_detection) AS cursor`,
        );
        const row = rows[0]!;
        return Number(row.entries) >= count && Number(row.cursor) === Number(row.entries);
      }),
    60000,
    200,
  );
}

export type AnomalyEvent = EventEnvelope<'AnomalyDetected'>;

/** The AnomalyDetected events the ledger holds, in ledger order. */
export function recordedAnomalies(stack: TestStack): Promise<AnomalyEvent[]> {
  return withDatabase(stack.namespace.databaseUrl, async (client) => {
    const { rows } = await client.query<{ payload: string }>(
      `SELECT payload FROM ledger.ledger_entries WHERE event_type = 'AnomalyDetected' ORDER BY seq`,
    );
    return rows.map((row) => JSON.parse(row.payload) as AnomalyEvent);
  });
}
