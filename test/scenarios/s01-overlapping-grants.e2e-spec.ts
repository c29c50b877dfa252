import { ManualClock } from '@app/domain';
import { callAs, users } from '../support/http';
import { eventsOfType, requestAndApprove, settle, waitForEvent } from '../support/flows';
import { TestStack } from '../support/stack';
import { waitFor } from '../support/wait-for';

const at = (time: string) => new Date(`2026-12-07T${time}:00.000Z`);

describe('S01: one grant ending does not end access another grant still covers', () => {
  const clock = new ManualClock(at('10:00'));
  let stack: TestStack;

  beforeAll(async () => {
    stack = await TestStack.start({ name: 's01', clock });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const revocationsOf = (subject: string) =>
    eventsOfType(stack, 'AccessRevoked').filter((e) => e.data.subject === subject);

  const currentGrantIds = async (subject: string): Promise<string> => {
    const result = await callAs(
      users.auditor,
      'GET',
      `${stack.url('ledger')}/grants?subject=${subject}`,
    );
    return JSON.stringify(result.body);
  };

  it('keeps access through the overlapping grant and removes it once, at the end of the last', async () => {
    const requester = { id: 'u-111', groups: ['sre'] };
    const target = { resource: 'db:orders-prod', role: 'read-only' };
    const g1 = await requestAndApprove(stack, requester, users.dbaOne, {
      ...target,
      duration: 'PT1H',
    });
    clock.set(at('10:50'));
    const g2 = await requestAndApprove(stack, requester, users.dbaOne, {
      ...target,
      duration: 'PT1H10M',
    });
    expect([g1.data.startsAt, g1.data.endsAt]).toEqual([
      at('10:00').toISOString(),
      at('11:00').toISOString(),
    ]);
    expect([g2.data.startsAt, g2.data.endsAt]).toEqual([
      at('10:50').toISOString(),
      at('12:00').toISOString(),
    ]);

    clock.set(at('11:00'));
    const g1Expired = await waitForEvent(stack, g1.partitionKey, 'GrantExpired');
    expect(g1Expired.data.coveringGrantIds).toEqual([g2.data.grantId]);
    await settle();
    expect(revocationsOf('u-111')).toHaveLength(0);
    await waitFor('G1 to leave the projection while G2 stays', async () => {
      const grants = await currentGrantIds('u-111');
      return !grants.includes(g1.data.grantId) && grants.includes(g2.data.grantId);
    });

    clock.set(at('12:00'));
    await waitForEvent(stack, g2.partitionKey, 'GrantExpired');
    await waitForEvent(stack, g2.partitionKey, 'AccessRevoked');
    await settle();
    expect(revocationsOf('u-111')).toHaveLength(1);
    expect(revocationsOf('u-111')[0]!.data.lastGrantId).toBe(g2.data.grantId);
    await waitFor('no grants left for u-111', async () => {
      const grants = await currentGrantIds('u-111');
      return !grants.includes(g2.data.grantId);
    });
  });

  it('leaves no gap when one grant ends at exactly the instant the next one starts', async () => {
    clock.set(at('13:00'));
    const requester = { id: 'u-112', groups: ['sre'] };
    const target = { resource: 'db:orders-prod', role: 'read-only' };
    const first = await requestAndApprove(stack, requester, users.dbaOne, {
      ...target,
      duration: 'PT1H',
    });
    const second = await requestAndApprove(stack, requester, users.dbaTwo, {
      ...target,
      duration: 'PT1H',
      startAt: at('14:00').toISOString(),
    });
    expect(first.data.endsAt).toBe(second.data.startsAt);

    clock.set(at('14:00'));
    const firstExpired = await waitForEvent(stack, first.partitionKey, 'GrantExpired');
    expect(firstExpired.data.coveringGrantIds).toEqual([second.data.grantId]);
    await settle();
    expect(revocationsOf('u-112')).toHaveLength(0);

    clock.set(at('15:00'));
    await waitForEvent(stack, second.partitionKey, 'AccessRevoked');
    await settle();
    expect(revocationsOf('u-112')).toHaveLength(1);
  });
});
