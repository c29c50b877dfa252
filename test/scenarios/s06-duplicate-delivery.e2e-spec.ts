import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { eventsOfType, settle, waitForEvent } from '../support/flows';
import {
  duplicatedEventIds,
  eventTypes,
  ledgerRows,
  AuditRecordJson,
} from '../support/ledger-queries';
import { TestStack } from '../support/stack';
import { testBrokers, withDatabase } from '../support/test-namespace';
import { WebhookReceiver } from '../support/webhook-receiver';
import { waitFor } from '../support/wait-for';

describe('S06: the same upstream event delivered twice has one effect', () => {
  let receiver: WebhookReceiver;
  let stack: TestStack;

  beforeAll(async () => {
    receiver = await WebhookReceiver.start(() => 204);
    const url = receiver.url;
    stack = await TestStack.start({
      name: 's06',
      serviceEnv: {
        notifications: { NOTIFICATION_WEBHOOKS: JSON.stringify([{ name: 'leads', url }]) },
      },
    });
  });
  afterAll(async () => {
    await stack?.close();
    await receiver?.close();
  });

  async function ticketingGroupCaughtUp(): Promise<boolean> {
    const admin = new Kafka({ brokers: testBrokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const [committed] = await admin.fetchOffsets({
        groupId: stack.topics.consumerGroup('jit-requests-ticketing'),
        topics: [stack.topics.ticketingRequests],
      });
      const ends = await admin.fetchTopicOffsets(stack.topics.ticketingRequests);
      return ends.every((end) => {
        // An empty partition has nothing to commit: its committed offset stays -1.
        if (BigInt(end.high) === 0n) return true;
        const done = committed!.partitions.find((p) => p.partition === end.partition);
        return done !== undefined && BigInt(done.offset) >= BigInt(end.high);
      });
    } finally {
      await admin.disconnect();
    }
  }

  it('yields one request, decision, grant, ledger entry, notification and audit record', async () => {
    const message = {
      key: 'T-77',
      value: JSON.stringify({
        eventId: randomUUID(),
        schemaVersion: 1,
        ticket: 'T-77',
        requester: { id: 'u-140', groups: ['engineering'] },
        resource: 'db:billing-staging',
        role: 'read-only',
        duration: 'PT4H',
        justification: 'Reproduce the billing bug from T-77',
        submittedAt: new Date().toISOString(),
      }),
    };
    await stack.probe.publish(stack.topics.ticketingRequests, [message]);
    const requested = await stack.probe
      .waitForCount<any>(
        stack.topics.accessEvents,
        (e) => e.type === 'AccessRequested' && e.data.ticket === 'T-77',
        1,
      )
      .then(([event]) => event);
    const requestId: string = requested.data.requestId;
    await waitForEvent(stack, requestId, 'GrantIssued');

    await stack.startService('requests');
    await stack.probe.publish(stack.topics.ticketingRequests, [message]);
    await waitFor('both ticketing deliveries consumed', ticketingGroupCaughtUp, 60000, 500);
    await settle(3000);

    const requestRows = await withDatabase(stack.namespace.databaseUrl, (client) =>
      client.query(`SELECT request_id FROM requests.access_requests WHERE ticket = 'T-77'`),
    );
    expect(requestRows.rows).toHaveLength(1);
    for (const type of ['AccessRequested', 'RequestApproved', 'GrantIssued']) {
      expect(eventsOfType(stack, type, requestId)).toHaveLength(1);
    }
    const rows = await ledgerRows(stack.namespace.databaseUrl, requestId);
    expect(eventTypes(rows)).toEqual(['AccessRequested', 'RequestApproved', 'GrantIssued']);
    expect(duplicatedEventIds(rows)).toEqual([]);

    await waitFor(
      'the grant notification',
      () => receiver.about(requestId, 'GrantIssued').length > 0,
    );
    const notifiedIds = receiver.about(requestId).map((hook) => hook.json.eventId);
    expect(new Set(notifiedIds).size).toBe(notifiedIds.length);

    const all = await ledgerRows(stack.namespace.databaseUrl);
    const audit = await stack.probe.waitForCount<AuditRecordJson>(
      stack.topics.auditRecords,
      () => true,
      all.length,
    );
    expect(audit.map((record) => record.seq)).toEqual(all.map((row) => row.seq));
  });
});
