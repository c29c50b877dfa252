import { randomUUID } from 'node:crypto';
import { aGrantIssued } from '@app/contracts/testing';
import { Envelope } from '../support/flows';
import { ledgerRows } from '../support/ledger-queries';
import { ALL_SERVICES, TestStack } from '../support/stack';
import { waitFor } from '../support/wait-for';

const groupOf: Record<string, string> = {
  ledger: 'jit-ledger',
  expiry: 'jit-expiry',
  notifications: 'jit-notifications',
  approvals: 'jit-approvals',
  requests: 'jit-requests',
};

function grantIssued(now: Date) {
  return aGrantIssued(
    {
      subject: 'u-150',
      role: 'read-only',
      startsAt: now.toISOString(),
      endsAt: new Date(now.getTime() + 3600_000).toISOString(),
      policyId: 'orders-prod',
    },
    { time: now },
  );
}

describe('S08: a message that can never succeed does not block the ones behind it', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await TestStack.start({ name: 's08' });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('dead-letters bad records with their origin, notes them in the ledger, and goes on', async () => {
    const valid = [grantIssued(new Date()), grantIssued(new Date())];
    const schemaViolation = { ...valid[0]!, id: randomUUID(), data: { grantId: 'not-a-uuid' } };
    await stack.probe.publish(stack.topics.accessEvents, [
      { key: 'poison', value: '{"this is": not json', partition: 0 },
      { key: 'poison', value: JSON.stringify(schemaViolation), partition: 0 },
      ...valid.map((event) => ({
        key: event.partitionKey,
        value: JSON.stringify(event),
        partition: 0,
      })),
    ] as never);

    await waitFor('the valid events behind the bad ones in the ledger', async () => {
      const rows = await ledgerRows(stack.namespace.databaseUrl);
      return valid.every((event) => rows.some((row) => row.event_id === event.id));
    });
    const poisonOffsets = stack.probe
      .on(stack.topics.accessEvents)
      .filter((record) => record.key === 'poison')
      .map((record) => record.offset);
    expect(poisonOffsets).toHaveLength(2);

    for (const service of ALL_SERVICES) {
      const group = stack.topics.consumerGroup(groupOf[service]!);
      const letters = await stack.probe.waitForCount<Envelope>(
        stack.topics.deadLetters,
        (e) => e.data?.consumerGroup === group,
        2,
      );
      expect(letters.map((letter) => letter.data.reason).sort()).toEqual([
        'invalid-json',
        'schema-violation',
      ]);
      for (const letter of letters) {
        expect(letter.data).toMatchObject({ sourceTopic: stack.topics.accessEvents, partition: 0 });
        expect(poisonOffsets).toContain(letter.data.offset);
      }
    }
    await waitFor('the dead letters noted in the ledger', async () => {
      const rows = await ledgerRows(stack.namespace.databaseUrl);
      return (
        rows.filter((row) => row.event_type === 'RecordDeadLettered').length >=
        2 * ALL_SERVICES.length
      );
    });
  });

  it('dead-letters an invalid ticketing record and still takes the valid one behind it', async () => {
    await stack.probe.publish(stack.topics.ticketingRequests, [
      { key: 'T-90', value: 'not json at all', partition: 0 },
      {
        key: 'T-91',
        partition: 0,
        value: JSON.stringify({
          eventId: randomUUID(),
          schemaVersion: 1,
          ticket: 'T-91',
          requester: { id: 'u-151', groups: ['engineering'] },
          resource: 'db:orders-staging',
          role: 'read-only',
          duration: 'PT1H',
          justification: 'After the poison record',
          submittedAt: new Date().toISOString(),
        }),
      },
    ] as never);

    const [letter] = await stack.probe.waitForCount<Envelope>(
      stack.topics.deadLetters,
      (e) => e.data?.sourceTopic === stack.topics.ticketingRequests,
      1,
    );
    expect(letter!.data).toMatchObject({ reason: 'invalid-json', partition: 0, key: 'T-90' });
    await stack.probe.waitForCount<Envelope>(
      stack.topics.accessEvents,
      (e) => e.type === 'AccessRequested' && e.data.ticket === 'T-91',
      1,
    );
  });
});
