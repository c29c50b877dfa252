import { randomUUID } from 'node:crypto';
import { callAs, users } from './support/http';
import {
  AuditRecordJson,
  duplicatedEventIds,
  eventTypes,
  ledgerRows,
} from './support/ledger-queries';
import { TestStack } from './support/stack';
import { waitFor } from './support/wait-for';

type Envelope = { id: string; type: string; partitionKey: string; data: Record<string, any> };

describe('the access lifecycle across all five services', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await TestStack.start({ name: 'lifecycle' });
  });

  afterAll(async () => {
    await stack?.close();
  });

  const eventsOf = (requestId: string) =>
    stack.probe.where<Envelope>(stack.topics.accessEvents, (e) => e.partitionKey === requestId);

  const waitForEvent = (requestId: string, type: string, timeoutMs = 30000) =>
    stack.probe
      .waitForCount<Envelope>(
        stack.topics.accessEvents,
        (e) => e.partitionKey === requestId && e.type === type,
        1,
        timeoutMs,
      )
      .then(([event]) => event!);

  it('takes a request through one approval, a grant and its automatic expiry', async () => {
    const created = await callAs(
      users.engineer,
      'POST',
      `${stack.url('requests')}/access-requests`,
      {
        resource: 'db:orders-prod',
        role: 'read-only',
        duration: 'PT3S',
        justification: 'Check the reconciliation job output',
        ticket: 'INC-1001',
      },
    );
    expect(created.status).toBe(202);
    const requestId: string = created.body.requestId;

    await waitForEvent(requestId, 'ApprovalRequested');
    const approved = await callAs(
      users.dbaOne,
      'POST',
      `${stack.url('approvals')}/access-requests/${requestId}/approve`,
      { comment: 'ok' },
    );
    expect(approved.status).toBe(200);

    const issued = await waitForEvent(requestId, 'GrantIssued');
    expect(Date.parse(issued.data.endsAt) - Date.parse(issued.data.startsAt)).toBe(3000);
    const grantsDuring = await waitFor('the grant in the current-grants projection', async () => {
      const result = await callAs(
        users.auditor,
        'GET',
        `${stack.url('ledger')}/grants?subject=u-105`,
      );
      return JSON.stringify(result.body).includes(issued.data.grantId) ? result : undefined;
    });
    expect(grantsDuring.status).toBe(200);

    await waitForEvent(requestId, 'AccessRevoked', 20000);
    await waitFor('the grant to leave the current-grants projection', async () => {
      const result = await callAs(
        users.auditor,
        'GET',
        `${stack.url('ledger')}/grants?subject=u-105`,
      );
      return result.status === 200 && !JSON.stringify(result.body).includes(issued.data.grantId);
    });

    const expected = [
      'AccessRequested',
      'ApprovalRequested',
      'ApprovalRecorded',
      'RequestApproved',
      'GrantIssued',
      'GrantExpired',
      'AccessRevoked',
    ];
    // The instant approval is itself noted by the ledger as an approval-too-fast anomaly.
    const rows = await waitFor('every step in the ledger', async () => {
      const found = (await ledgerRows(stack.namespace.databaseUrl, requestId)).filter(
        (row) => row.event_type !== 'AnomalyDetected',
      );
      return found.length >= expected.length ? found : undefined;
    });
    expect(eventTypes(rows)).toEqual(expected);
    expect(duplicatedEventIds(rows)).toEqual([]);

    const view = await callAs(
      users.engineer,
      'GET',
      `${stack.url('requests')}/access-requests/${requestId}`,
    );
    expect(view.body.status).toBe('ended');
  });

  it('publishes every ledger entry to the audit topic in ledger order with a verifying chain', async () => {
    const all = await ledgerRows(stack.namespace.databaseUrl);
    const records = await stack.probe.waitForCount<AuditRecordJson>(
      stack.topics.auditRecords,
      () => true,
      all.length,
    );

    expect(records.map((r) => r.seq)).toEqual(all.map((row) => row.seq));
    expect(records.map((r) => r.eventId)).toEqual(all.map((row) => row.event_id));
    records.forEach((record, index) => {
      expect(record.hash).toBe(all[index]!.hash);
      if (index > 0) expect(record.prevHash).toBe(records[index - 1]!.hash);
    });
    const verified = await callAs(users.auditor, 'GET', `${stack.url('ledger')}/ledger/verify`);
    expect(verified.body).toMatchObject({ ok: true });
  });

  it('approves a request automatically when a policy rule allows it', async () => {
    const created = await callAs(
      users.engineer,
      'POST',
      `${stack.url('requests')}/access-requests`,
      {
        resource: 'db:orders-staging',
        role: 'read-only',
        duration: 'PT2H',
        justification: 'Reproduce a staging bug',
      },
    );
    expect(created.status).toBe(202);
    const requestId: string = created.body.requestId;

    const approved = await waitForEvent(requestId, 'RequestApproved');
    const issued = await waitForEvent(requestId, 'GrantIssued');

    expect(approved.data).toMatchObject({ automatic: true, approvers: [] });
    expect(Date.parse(issued.data.endsAt) - Date.parse(issued.data.startsAt)).toBe(2 * 3600 * 1000);
    expect(eventsOf(requestId).map((e) => e.type)).not.toContain('ApprovalRequested');
    const rows = await waitFor('the automatic path in the ledger', async () => {
      const found = await ledgerRows(stack.namespace.databaseUrl, requestId);
      return found.length >= 3 ? found : undefined;
    });
    expect(eventTypes(rows)).toEqual(['AccessRequested', 'RequestApproved', 'GrantIssued']);
  });

  it('takes a request from the ticketing topic along the same path as one from HTTP', async () => {
    const eventId = randomUUID();
    await stack.probe.publish(stack.topics.ticketingRequests, [
      {
        key: 'T-501',
        value: JSON.stringify({
          eventId,
          schemaVersion: 1,
          ticket: 'T-501',
          requester: { id: 'u-106', groups: ['engineering'] },
          resource: 'db:orders-prod',
          role: 'read-only',
          duration: 'PT3S',
          justification: 'Ticket-driven data fix',
          submittedAt: new Date().toISOString(),
        }),
      },
    ]);

    const requested = await stack.probe
      .waitForCount<Envelope>(
        stack.topics.accessEvents,
        (e) => e.type === 'AccessRequested' && e.data.ticket === 'T-501',
        1,
      )
      .then(([event]) => event!);
    expect(requested.data).toMatchObject({ channel: 'ticketing', duration: 'PT3S' });
    const requestId = requested.data.requestId as string;

    await waitForEvent(requestId, 'ApprovalRequested');
    const approved = await callAs(
      users.dbaTwo,
      'POST',
      `${stack.url('approvals')}/access-requests/${requestId}/approve`,
      {},
    );
    expect(approved.status).toBe(200);
    await waitForEvent(requestId, 'AccessRevoked', 20000);

    const rows = await waitFor('the ticketing request in the ledger', async () => {
      const found = (await ledgerRows(stack.namespace.databaseUrl, requestId)).filter(
        (row) => row.event_type !== 'AnomalyDetected',
      );
      return found.length >= 7 ? found : undefined;
    });
    expect(eventTypes(rows)).toEqual([
      'AccessRequested',
      'ApprovalRequested',
      'ApprovalRecorded',
      'RequestApproved',
      'GrantIssued',
      'GrantExpired',
      'AccessRevoked',
    ]);
  });
});
