import { randomUUID } from 'node:crypto';
import { DomainEvent, Principal } from '@app/contracts';
import { aGrantIssued, anEvent } from '@app/contracts/testing';
import { callAs, users } from './support/http';
import { AnomalyEvent, recordedAnomalies, waitForDetection } from './support/ledger-queries';
import {
  anOptOut,
  at,
  optOutExpired,
  optOutLapsed,
  optOutUsed,
  publishAccessEvents,
} from './support/opt-out-events';
import { TestStack } from './support/stack';
import { withDatabase } from './support/test-namespace';
import { sleep, waitFor } from './support/wait-for';

// A Monday; working hours are Mon–Fri 08:00–18:00 UTC by default.
const MONDAY = '2026-12-07T00:00:00.000Z';
const MONDAY_10 = at(MONDAY, 600);
const DAY = 24 * 60;

const person = (id: string, onCall = true): Principal => ({
  id,
  groups: [`${id}-team`],
  attributes: { onCall },
});

/** A request that asked for approval at `time` and was approved `afterSeconds` later. */
function anApprovedRequest(spec: {
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
        { time: spec.time },
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

async function waitForEntries(stack: TestStack, events: readonly DomainEvent[]): Promise<void> {
  const ids = events.map((event) => event.id);
  await waitFor(
    `${ids.length} events in the ledger`,
    () =>
      withDatabase(stack.namespace.databaseUrl, async (client) => {
        const { rows } = await client.query<{ count: string }>(
          'SELECT count(*) AS count FROM ledger.ledger_entries WHERE event_id = ANY($1::uuid[])',
          [ids],
        );
        return Number(rows[0]!.count) === ids.length;
      }),
    60000,
    200,
  );
}

/** Publishes each step once the ledger holds the steps before, so the ledger keeps their order. */
async function publishInOrder(stack: TestStack, steps: DomainEvent[][]): Promise<void> {
  for (const step of steps) {
    await publishAccessEvents(stack, step);
    await waitForEntries(stack, step);
  }
}

describe('anomaly detection in the ledger', () => {
  let stack: TestStack;
  const published: DomainEvent[] = [];

  const night = anOptOut({
    requester: person('u-night', false),
    resource: 'db:night-prod',
    time: at(MONDAY, 3 * 60),
  });
  const first = anOptOut({
    requester: person('u-first'),
    resource: 'db:first-prod',
    time: MONDAY_10,
  });
  const busy = [0, 1, 2].map((day) =>
    anOptOut({
      requester: person('u-busy'),
      resource: `db:busy-${day}`,
      time: at(MONDAY_10, day * DAY),
    }),
  );
  const longest = [0, 1, 2].map((day) =>
    anOptOut({
      requester: person('u-long'),
      resource: 'db:long-prod',
      time: at(MONDAY_10, day * DAY),
      duration: 'PT4H',
      maximumDuration: 'PT4H',
    }),
  );
  const idle = anOptOut({
    kind: 'standing-exception',
    requester: person('u-idle'),
    resource: 'db:idle-prod',
    time: MONDAY_10,
    approvers: ['u-lead'],
  });
  const idleLapsed = optOutLapsed(idle.activated, at(MONDAY_10, 7 * DAY), {
    uses: 0,
    lastUsedAt: null,
  });
  const mutualFirst = anApprovedRequest({
    requester: person('u-ann'),
    approver: 'u-bob',
    resource: 'db:mutual-prod',
    time: MONDAY_10,
    afterSeconds: 600,
  });
  const mutualSecond = anApprovedRequest({
    requester: person('u-bob'),
    approver: 'u-ann',
    resource: 'db:mutual-prod',
    time: at(MONDAY_10, 60),
    afterSeconds: 600,
  });
  const rushed = anApprovedRequest({
    requester: person('u-rush'),
    approver: 'u-rush-approver',
    resource: 'db:rush-prod',
    time: MONDAY_10,
    afterSeconds: 2,
  });

  // A history nothing in should stand out: access held before, on call, in working hours, under
  // the maximum, a standing exception that was used, and approvals given time.
  const calm = person('u-calm');
  const calmHeld = aGrantIssued(
    {
      subject: 'u-calm',
      resource: 'db:calm-prod',
      startsAt: at(MONDAY, 0),
      endsAt: at(MONDAY, 60),
    },
    { time: at(MONDAY, 0) },
  );
  const calmBreakGlass = anOptOut({ requester: calm, resource: 'db:calm-prod', time: MONDAY_10 });
  const calmStanding = anOptOut({
    kind: 'standing-exception',
    requester: calm,
    resource: 'db:calm-prod',
    time: at(MONDAY_10, 60),
    approvers: ['u-lead'],
  });
  const calmUsed = optOutUsed(calmStanding.activated, at(MONDAY_10, 120), {
    reportedBy: 'u-calm',
  });
  const calmExpired = optOutExpired(calmStanding.activated, at(MONDAY_10, 120));
  const calmApproved = anApprovedRequest({
    requester: calm,
    approver: 'u-calm-lead',
    resource: 'db:calm-prod',
    time: at(MONDAY_10, 180),
    afterSeconds: 300,
  });

  const steps: DomainEvent[][] = [
    [calmHeld],
    [calmBreakGlass.requested, calmBreakGlass.activated],
    [calmStanding.requested, calmStanding.activated, calmUsed, calmExpired],
    calmApproved.events,
    [night.requested, night.activated],
    [first.requested, first.activated],
    ...busy.map((optOut) => [optOut.requested, optOut.activated]),
    ...longest.map((optOut) => [optOut.requested]),
    [idle.requested, idle.activated, idleLapsed],
    mutualFirst.events,
    mutualSecond.events,
    rushed.events,
  ];

  beforeAll(async () => {
    stack = await TestStack.start({ name: 'anomalies', services: ['ledger'] });
    await publishInOrder(stack, steps);
    published.push(...steps.flat());
    await waitForDetection(stack, published.length);
  });

  afterAll(async () => {
    await stack?.close();
  });

  const anomaliesOf = async (subject: string, rule: string, count = 1) =>
    waitFor(`${count} ${rule} anomaly(ies) about ${subject}`, async () => {
      const found = (await recordedAnomalies(stack)).filter(
        (anomaly) => anomaly.data.subject === subject && anomaly.data.rule === rule,
      );
      return found.length >= count ? found : undefined;
    });

  const seqOf = (eventId: string) =>
    withDatabase(stack.namespace.databaseUrl, async (client) => {
      const { rows } = await client.query<{ seq: string }>(
        'SELECT seq FROM ledger.ledger_entries WHERE event_id = $1',
        [eventId],
      );
      return Number(rows[0]!.seq);
    });

  it('reports a break-glass outside working hours by someone not on call', async () => {
    const [anomaly] = await anomaliesOf('u-night', 'break-glass-outside-hours');

    expect(anomaly!.data).toMatchObject({
      resource: 'db:night-prod',
      relatedIds: [night.optOutId],
      ledgerSeq: await seqOf(night.requested.id),
    });
    expect(anomaly!.partitionKey).toBe(night.optOutId);
    expect(anomaly!.causationId).toBe(night.requested.id);
    expect(anomaly!.data.reason).toContain('03:00 Mon UTC');
  });

  it('reports a first opt-out on a resource never held before', async () => {
    const [anomaly] = await anomaliesOf('u-first', 'first-access-to-resource');

    expect(anomaly!.data).toMatchObject({
      resource: 'db:first-prod',
      ledgerSeq: await seqOf(first.activated.id),
    });
  });

  it('reports a person and team opting out well above their baseline', async () => {
    const [anomaly] = await anomaliesOf('u-busy', 'opt-out-frequency-above-baseline');

    expect(anomaly!.data).toMatchObject({
      team: 'u-busy-team',
      relatedIds: [busy[2]!.optOutId],
      ledgerSeq: await seqOf(busy[2]!.activated.id),
    });
  });

  it('reports the third opt-out at its maximum duration within 30 days', async () => {
    const [anomaly] = await anomaliesOf('u-long', 'repeated-maximum-duration');

    expect(anomaly!.data.relatedIds).toEqual(
      expect.arrayContaining(longest.map((optOut) => optOut.optOutId)),
    );
    expect(anomaly!.data.relatedIds[0]).toBe(longest[2]!.optOutId);
  });

  it('reports a standing exception that lapsed unused', async () => {
    const [anomaly] = await anomaliesOf('u-idle', 'standing-exception-unused');

    expect(anomaly!.data).toMatchObject({
      relatedIds: [idle.optOutId],
      ledgerSeq: await seqOf(idleLapsed.id),
    });
  });

  it('reports two people approving each other’s requests', async () => {
    const [anomaly] = await anomaliesOf('u-ann', 'mutual-approvals');

    expect(anomaly!.data.relatedIds).toEqual([mutualSecond.requestId, mutualFirst.requestId]);
  });

  it('reports an approval given before the justification could be read', async () => {
    const [anomaly] = await anomaliesOf('u-rush-approver', 'approval-too-fast');

    expect(anomaly!.data.relatedIds).toEqual([rushed.requestId]);
    expect(anomaly!.partitionKey).toBe(rushed.requestId);
  });

  const anomaliesInTrail = async (query: string, count: number) =>
    waitFor(`${count} anomaly record(s) in the audit trail of ${query}`, async () => {
      const result = await callAs(users.auditor, 'GET', `${stack.url('ledger')}/audit?${query}`);
      const found = (result.body.records as { eventType: string; summary: string }[]).filter(
        (record) => record.eventType === 'AnomalyDetected',
      );
      return found.length >= count ? found : undefined;
    });

  it("files an opt-out's anomalies in its audit trail, by its opt-out id", async () => {
    const found = await anomaliesInTrail(`optOutId=${night.optOutId}`, 2);

    expect(found).toEqual([
      expect.objectContaining({ optOutId: night.optOutId, requestId: null, subject: 'u-night' }),
      expect.objectContaining({ optOutId: night.optOutId, requestId: null, subject: 'u-night' }),
    ]);
    expect(found.map((record) => record.summary).sort()).toEqual([
      expect.stringContaining('anomaly break-glass-outside-hours'),
      expect.stringContaining('anomaly first-access-to-resource'),
    ]);
  });

  it("files an approval's anomaly in its request's audit trail, naming the approver", async () => {
    const [record] = await anomaliesInTrail(`requestId=${rushed.requestId}`, 1);

    expect(record).toMatchObject({
      requestId: rushed.requestId,
      optOutId: null,
      subject: 'u-rush-approver',
      resource: 'db:rush-prod',
    });
    const byApprover = await anomaliesInTrail('subject=u-rush-approver', 1);
    expect(byApprover).toEqual([record]);
  });

  it('finds nothing in a normal history', async () => {
    const all = await recordedAnomalies(stack);

    expect(
      all.filter((anomaly) => ['u-calm', 'u-calm-lead'].includes(anomaly.data.subject)),
    ).toEqual([]);
    const rules = (subject: string) =>
      all.filter((anomaly) => anomaly.data.subject === subject).map((a) => a.data.rule);
    expect(rules('u-night').sort()).toEqual([
      'break-glass-outside-hours',
      'first-access-to-resource',
    ]);
    expect(rules('u-rush-approver')).toEqual(['approval-too-fast']);
  });

  it('reports no anomaly twice, after a restart and with every event delivered again', async () => {
    await waitFor('the anomalies back in the ledger', async () => {
      const anomalies = await recordedAnomalies(stack);
      return anomalies.length >= 12 ? anomalies : undefined;
    });
    await sleep(1000);
    const before = await recordedAnomalies(stack);
    const keys = (anomalies: AnomalyEvent[]) =>
      anomalies.map((anomaly) => `${anomaly.data.rule}@${anomaly.data.ledgerSeq}`);
    expect(new Set(keys(before)).size).toBe(before.length);

    await stack.stopService('ledger');
    await stack.startService('ledger');
    await publishAccessEvents(stack, published);
    const entries = await withDatabase(stack.namespace.databaseUrl, async (client) => {
      const { rows } = await client.query<{ count: string }>(
        'SELECT count(*) AS count FROM ledger.ledger_entries',
      );
      return Number(rows[0]!.count);
    });
    await waitForDetection(stack, entries);
    await sleep(2000);

    const after = await recordedAnomalies(stack);
    expect(keys(after)).toEqual(keys(before));
    const onTopic = stack.probe.where<AnomalyEvent>(
      stack.topics.accessEvents,
      (event) => event.type === 'AnomalyDetected',
    );
    expect(new Set(onTopic.map((anomaly) => anomaly.data.anomalyId)).size).toBe(before.length);
  });
});
