import { ManualClock } from '@app/domain';
import { callAs, users } from './support/http';
import { decide, fileRequest, waitForEvent } from './support/flows';
import { eventTypes, ledgerRows } from './support/ledger-queries';
import { TestStack } from './support/stack';
import { waitFor } from './support/wait-for';

describe('a pending request that nobody decides in time', () => {
  const clock = new ManualClock(new Date('2026-12-07T09:00:00.000Z'));
  let stack: TestStack;

  beforeAll(async () => {
    stack = await TestStack.start({ name: 'deadline', clock });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('expires at its decision deadline, once, and refuses a late decision', async () => {
    const created = await fileRequest(stack, users.requester, {
      resource: 'db:orders-prod',
      role: 'read-only',
      duration: 'PT1H',
    });
    const requestId: string = created.body.requestId;
    const requested = await waitForEvent(stack, requestId, 'ApprovalRequested');
    expect(requested.data.decideBy).toBe('2026-12-08T09:00:00.000Z');

    clock.set(new Date('2026-12-08T09:00:00.000Z'));
    await waitForEvent(stack, requestId, 'RequestDeadlinePassed');
    const expired = await waitForEvent(stack, requestId, 'RequestExpired');
    const late = await decide(stack, users.dbaOne, requestId, 'approve');

    expect(expired.source).toBe('approvals');
    expect(late.status).toBe(409);
    expect(late.body.error).toBe('already-resolved');
    await waitFor('the request view to show it expired', async () => {
      const view = await callAs(
        users.requester,
        'GET',
        `${stack.url('requests')}/access-requests/${requestId}`,
      );
      return view.body.status === 'expired';
    });
    const rows = await waitFor('the expiry in the ledger', async () => {
      const found = await ledgerRows(stack.namespace.databaseUrl, requestId);
      return found.some((row) => row.event_type === 'RequestExpired') ? found : undefined;
    });
    expect(eventTypes(rows)).toEqual([
      'AccessRequested',
      'ApprovalRequested',
      'RequestDeadlinePassed',
      'RequestExpired',
    ]);
  });
});
