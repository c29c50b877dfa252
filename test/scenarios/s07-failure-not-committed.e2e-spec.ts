import { Kafka, logLevel } from 'kafkajs';
import { users } from '../support/http';
import { Envelope, fileRequest, settle, waitForEvent, eventsOfType } from '../support/flows';
import { ledgerRows } from '../support/ledger-queries';
import { TestStack } from '../support/stack';
import { TcpProxy } from '../support/tcp-proxy';
import { testBrokers } from '../support/test-namespace';

describe('S07: a failed handler does not lose the event', () => {
  const proxy = new TcpProxy('127.0.0.1', 5432);
  let stack: TestStack;

  beforeAll(async () => {
    const port = await proxy.start();
    stack = await TestStack.start({ name: 's07', services: [] });
    const viaProxy = stack.namespace.databaseUrl.replace('127.0.0.1:5432', `127.0.0.1:${port}`);
    for (const service of ['ledger', 'expiry', 'notifications', 'requests'] as const) {
      await stack.startService(service);
    }
    await stack.startService('approvals', { DATABASE_URL: viaProxy });
  });
  afterAll(async () => {
    await stack?.close();
    await proxy.stop();
  });

  async function committedOffset(partition: number): Promise<bigint> {
    const admin = new Kafka({ brokers: testBrokers, logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const [topic] = await admin.fetchOffsets({
        groupId: stack.topics.consumerGroup('jit-approvals'),
        topics: [stack.topics.accessEvents],
      });
      return BigInt(topic!.partitions.find((p) => p.partition === partition)?.offset ?? '-1');
    } finally {
      await admin.disconnect();
    }
  }

  it('keeps the offset while the database is unreachable and handles the event once it returns', async () => {
    proxy.cut();
    const created = await fileRequest(stack, users.requester, {
      resource: 'db:orders-prod',
      role: 'read-only',
      duration: 'PT1H',
    });
    expect(created.status).toBe(202);
    const requestId: string = created.body.requestId;
    const requested = await waitForEvent(stack, requestId, 'AccessRequested');
    const record = stack.probe
      .on(stack.topics.accessEvents)
      .find((r) => (r.json as Envelope | undefined)?.id === requested.id)!;

    await settle(4000);
    expect(eventsOfType(stack, 'ApprovalRequested', requestId)).toHaveLength(0);
    expect(await committedOffset(record.partition)).toBeLessThanOrEqual(BigInt(record.offset));

    proxy.restore();
    await waitForEvent(stack, requestId, 'ApprovalRequested', 60000);
    await settle(2000);

    expect(eventsOfType(stack, 'ApprovalRequested', requestId)).toHaveLength(1);
    expect(await committedOffset(record.partition)).toBeGreaterThan(BigInt(record.offset));
    const rows = await ledgerRows(stack.namespace.databaseUrl);
    expect(
      rows.filter(
        (row) => row.event_type === 'ApprovalRequested' && row.partition_key === requestId,
      ),
    ).toHaveLength(1);
    expect(rows.map((row) => row.seq)).toEqual(rows.map((_, index) => index + 1));
    const deadLettered = stack.probe.where<Envelope>(
      stack.topics.deadLetters,
      (e) => e.data?.consumerGroup === stack.topics.consumerGroup('jit-approvals'),
    );
    expect(deadLettered).toHaveLength(0);
  });
});
