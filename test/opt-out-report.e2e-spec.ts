import { anEvent } from '@app/contracts/testing';
import { ManualClock } from '@app/domain';
import { callAs, users } from './support/http';
import { waitForDetection } from './support/ledger-queries';
import {
  anOptOut,
  at,
  breakGlassReviewOverdue,
  optOutRefused,
  optOutRenewed,
  optOutRevoked,
  optOutUsed,
  publishAccessEvents,
} from './support/opt-out-events';
import { TestStack } from './support/stack';
import { withDatabase } from './support/test-namespace';
import { tokenFor } from './support/tokens';
import { waitFor } from './support/wait-for';

const MONDAY_10 = '2026-12-07T10:00:00.000Z';
const onCall = (id: string, groups: string[]) => ({ id, groups, attributes: { onCall: true } });

function projectionSnapshot(databaseUrl: string) {
  return withDatabase(databaseUrl, async (client) => {
    const rows = async (sql: string) => (await client.query(sql)).rows;
    return {
      currentGrants: await rows('SELECT * FROM ledger.current_grants ORDER BY grant_id'),
      grantHistory: await rows('SELECT * FROM ledger.grant_history ORDER BY grant_id'),
      auditTrail: await rows('SELECT * FROM ledger.audit_trail ORDER BY seq'),
      optOutTargets: await rows('SELECT * FROM ledger.opt_out_targets ORDER BY opt_out_id'),
    };
  });
}

describe('opt-outs in the ledger: grants, audit trail and the report', () => {
  let stack: TestStack;
  let ledger: string;

  // u-101 breaks glass (still active); u-102's standing exception is used, renewed and revoked;
  // u-103's request is refused; the review of u-101's break-glass is overdue; u-104's break-glass
  // of three days before the period is reviewed, late, in it.
  const active = anOptOut({
    requester: onCall('u-101', ['sre']),
    resource: 'db:orders-prod',
    time: MONDAY_10,
  });
  const standing = anOptOut({
    kind: 'standing-exception',
    requester: onCall('u-102', ['dba']),
    resource: 'db:orders-prod',
    role: 'read-only',
    time: at(MONDAY_10, 30),
    approvers: ['u-900'],
  });
  const renewedEnd = at(MONDAY_10, 600);
  const standingLater = [
    optOutUsed(standing.activated, at(MONDAY_10, 35), { reportedBy: 'u-102' }),
    optOutRenewed(standing.activated, {
      renewedBy: 'u-102',
      endsAt: renewedEnd,
      duration: 'PT9H',
      renewedAt: at(MONDAY_10, 60),
    }),
    optOutRevoked(standing.activated, at(MONDAY_10, 120), { revokedBy: 'u-900', reason: 'done' }),
  ];
  const refused = optOutRefused({
    optOutId: '4c0f6b1e-2d3a-4b5c-8d9e-0f1a2b3c4d5e',
    kind: 'standing-exception',
    requester: onCall('u-103', ['dba']),
    resource: 'db:payments-prod',
    role: 'read-only',
    reason: 'forbidden-by-compliance-tag',
    rule: 'compliance.pci',
    refusedAt: at(MONDAY_10, 40),
  });
  const overdue = breakGlassReviewOverdue(active.activated, at(MONDAY_10, 150), {
    incident: 'INC-1',
    reviewBy: at(MONDAY_10, 150),
  });
  const earlier = anOptOut({
    requester: onCall('u-104', ['sre']),
    resource: 'db:reports-prod',
    time: at(MONDAY_10, -3 * 24 * 60),
  });
  const earlierReviewedAt = at(MONDAY_10, 160);
  const earlierReviewed = anEvent(
    'BreakGlassReviewed',
    {
      optOutId: earlier.optOutId,
      subject: 'u-104',
      reviewer: 'u-900',
      outcome: 'unjustified',
      late: true,
      reviewedAt: earlierReviewedAt,
    },
    { time: earlierReviewedAt, causationId: earlier.activated.id },
  );
  const events = [
    earlier.requested,
    earlier.activated,
    active.requested,
    active.activated,
    standing.requested,
    standing.activated,
    ...standingLater,
    refused,
    overdue,
    earlierReviewed,
  ];
  // first-access-to-resource for each activation: u-101's, u-102's and u-104's.
  const anomalies = 3;

  beforeAll(async () => {
    // Anomalies happen when they are detected: within the period reported on.
    const clock = new ManualClock(new Date(at(MONDAY_10, 200)));
    stack = await TestStack.start({ name: 'optoutreport', services: ['ledger'], clock });
    ledger = stack.url('ledger');
    await publishAccessEvents(stack, events);
    await waitForDetection(stack, events.length);
  });

  afterAll(async () => {
    await stack?.close();
  });

  const waitForAnomalies = () =>
    waitFor('the anomalies back in the ledger', async () => {
      const result = await callAs(users.auditor, 'GET', `${ledger}/ledger/verify`);
      return result.body.entries >= events.length + anomalies;
    });

  it('shows an active opt-out among the current grants, with its kind', async () => {
    const result = await callAs(users.auditor, 'GET', `${ledger}/grants?resource=db:orders-prod`);

    expect(result.status).toBe(200);
    expect(result.body.grants).toEqual([
      expect.objectContaining({
        grantId: active.optOutId,
        requestId: active.optOutId,
        kind: 'break-glass',
        subject: 'u-101',
        automatic: true,
      }),
    ]);
  });

  it('answers who held access at an instant, with a renewed and revoked opt-out', async () => {
    const during = await callAs(
      users.auditor,
      'GET',
      `${ledger}/grants/at?resource=db:orders-prod&at=${at(MONDAY_10, 45)}`,
    );

    expect(during.body.grants).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          grantId: standing.optOutId,
          kind: 'standing-exception',
          approvers: ['u-900'],
          endsAt: renewedEnd,
          endedAt: at(MONDAY_10, 120),
        }),
        expect.objectContaining({ grantId: active.optOutId, endedAt: null }),
      ]),
    );
  });

  it('tells the story of an opt-out in the audit trail, by its opt-out id', async () => {
    await waitForAnomalies();

    const result = await callAs(
      users.auditor,
      'GET',
      `${ledger}/audit?optOutId=${standing.optOutId}`,
    );

    expect(result.status).toBe(200);
    // Its anomaly is appended once detected, after whichever of its events were in the ledger.
    const records = result.body.records as { eventType: string; summary: string }[];
    const story = records.filter((record) => record.eventType !== 'AnomalyDetected');
    expect(story.map((record) => record.eventType)).toEqual([
      'OptOutRequested',
      'OptOutActivated',
      'OptOutUsed',
      'OptOutRenewed',
      'OptOutRevoked',
    ]);
    expect(records.length - story.length).toBe(1);
    expect(story[2]).toMatchObject({
      actor: 'u-102',
      subject: 'u-102',
      resource: 'db:orders-prod',
      role: 'read-only',
      optOutId: standing.optOutId,
      requestId: null,
    });
    expect(story[4]!.summary).toContain('u-900 revoked standing-exception opt-out');
  });

  it('files the anomalies about an opt-out under it in the audit trail', async () => {
    await waitForAnomalies();

    const result = await callAs(
      users.auditor,
      'GET',
      `${ledger}/audit?optOutId=${active.optOutId}`,
    );

    expect(result.status).toBe(200);
    const found = result.body.records.filter(
      (record: { eventType: string }) => record.eventType === 'AnomalyDetected',
    );
    expect(found).toEqual([
      expect.objectContaining({
        optOutId: active.optOutId,
        requestId: null,
        subject: 'u-101',
        resource: 'db:orders-prod',
        role: 'db-admin',
        summary: expect.stringContaining('anomaly first-access-to-resource'),
      }),
    ]);
  });

  it('reports the opt-outs of a period as JSON', async () => {
    await waitForAnomalies();
    const result = await callAs(
      users.auditor,
      'GET',
      `${ledger}/reports/opt-outs?from=${at(MONDAY_10, -60)}&to=${at(MONDAY_10, 24 * 60)}`,
    );

    expect(result.status).toBe(200);
    expect(result.body.totals).toMatchObject({
      requested: 2,
      refused: 1,
      activated: 2,
      renewed: 1,
      revoked: 1,
    });
    expect(result.body.byKind['standing-exception']).toMatchObject({ activated: 1, refused: 1 });
    expect(result.body.byTeam.dba).toMatchObject({ requested: 1, activated: 1 });
    expect(result.body.refusalsByReason).toEqual({ 'forbidden-by-compliance-tag': 1 });
    expect(result.body.reviews.openAtEnd).toEqual([
      expect.objectContaining({ optOutId: active.optOutId, reviewedAt: null }),
    ]);
    expect(result.body.reviews.done).toEqual([
      {
        optOutId: earlier.optOutId,
        subject: 'u-104',
        reviewer: 'u-900',
        outcome: 'unjustified',
        late: true,
        reviewedAt: earlierReviewedAt,
      },
    ]);
    expect(result.body.reviews.doneByOutcome).toEqual({ justified: 0, unjustified: 1 });
    expect(result.body.anomaliesByRule).toEqual({ 'first-access-to-resource': anomalies });
    expect(result.body.optOuts).toHaveLength(4);
  });

  it('reports a shorter period from its own entries only', async () => {
    const result = await callAs(
      users.auditor,
      'GET',
      `${ledger}/reports/opt-outs?from=${at(MONDAY_10, 50)}&to=${at(MONDAY_10, 130)}`,
    );

    expect(result.body.totals).toMatchObject({ requested: 0, renewed: 1, revoked: 1 });
  });

  it('reports the period as readable text', async () => {
    const response = await fetch(
      `${ledger}/reports/opt-outs?from=${at(MONDAY_10, -60)}&to=${at(MONDAY_10, 24 * 60)}&format=text`,
      {
        headers: {
          authorization: `Bearer ${await tokenFor(users.auditor.id, users.auditor.groups)}`,
        },
      },
    );
    const text = await response.text();

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/markdown');
    expect(text).toContain(`# Opt-outs from ${at(MONDAY_10, -60)}`);
    expect(text).toContain('- forbidden-by-compliance-tag: 1');
    expect(text).toContain(`- still open: break-glass ${active.optOutId} of u-101`);
    expect(text).toContain(`- first-access-to-resource: ${anomalies}`);
    expect(text).toContain(
      `- unjustified, late: break-glass ${earlier.optOutId} of u-104, reviewed by u-900 at ` +
        earlierReviewedAt,
    );
  });

  it('documents the report as JSON and as Markdown in the OpenAPI document', async () => {
    const document = (await (await fetch(`${ledger}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, { content: unknown }> }>>;
    };

    const ok = document.paths['/reports/opt-outs']!['get']!.responses['200']!;

    expect(ok.content).toEqual({
      'application/json': {
        schema: expect.objectContaining({
          type: 'object',
          properties: expect.objectContaining({
            reviews: expect.objectContaining({
              properties: expect.objectContaining({ done: expect.anything() }),
            }),
            optOuts: expect.objectContaining({ type: 'array' }),
          }),
        }),
      },
      'text/markdown': { schema: { type: 'string' } },
    });
  });

  it('refuses a period that ends before it starts, and callers outside the reader groups', async () => {
    const backwards = await callAs(
      users.auditor,
      'GET',
      `${ledger}/reports/opt-outs?from=${MONDAY_10}&to=${at(MONDAY_10, -60)}`,
    );
    const outsider = await callAs(
      users.engineer,
      'GET',
      `${ledger}/reports/opt-outs?from=${MONDAY_10}&to=${at(MONDAY_10, 60)}`,
    );

    expect(backwards.status).toBe(400);
    expect(backwards.body.problems).toEqual([expect.objectContaining({ field: 'to' })]);
    expect(outsider.status).toBe(403);
  });

  it('names only the instants that do not parse, without comparing them', async () => {
    const result = await callAs(
      users.auditor,
      'GET',
      `${ledger}/reports/opt-outs?from=yesterday&to=2026-12-07`,
    );

    expect(result.status).toBe(400);
    expect(result.body.problems).toEqual([
      { field: 'from', reason: 'must be an ISO-8601 UTC instant' },
      { field: 'to', reason: 'must be an ISO-8601 UTC instant' },
    ]);
  });

  it('rebuilds the projections, opt-outs included, to exactly the same state', async () => {
    await waitForAnomalies();
    const before = await projectionSnapshot(stack.namespace.databaseUrl);

    const rebuilt = await callAs(users.auditor, 'POST', `${ledger}/ledger/projections/rebuild`);

    expect(rebuilt.status).toBe(200);
    expect(await projectionSnapshot(stack.namespace.databaseUrl)).toEqual(before);
    expect(before.optOutTargets).toHaveLength(4);
    expect(
      before.auditTrail.filter((row) => row.event_type === 'AnomalyDetected' && row.opt_out_id),
    ).toHaveLength(anomalies);
  });
});
