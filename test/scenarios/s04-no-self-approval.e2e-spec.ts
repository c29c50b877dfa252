import { callAs, users } from '../support/http';
import { decide, fileRequest, settle, waitForEvent } from '../support/flows';
import { eventTypes, ledgerRows } from '../support/ledger-queries';
import { TestStack } from '../support/stack';

describe('S04: no one approves their own request, not even through a group', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await TestStack.start({ name: 's04' });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('refuses the requester approving through their group and keeps the request waiting', async () => {
    const sreMember = { id: 'u-101', groups: ['sre'] };
    const created = await fileRequest(stack, sreMember, {
      resource: 'db:orders-prod',
      role: 'db-admin',
      duration: 'PT1H',
    });
    expect(created.status).toBe(202);
    const requestId: string = created.body.requestId;
    await waitForEvent(stack, requestId, 'ApprovalRequested');

    const selfApproval = await decide(stack, sreMember, requestId, 'approve');

    expect(selfApproval.status).toBe(403);
    expect(selfApproval.body.error).toBe('self-approval');
    await settle(2000);
    const rows = await ledgerRows(stack.namespace.databaseUrl, requestId);
    expect(eventTypes(rows)).toEqual(['AccessRequested', 'ApprovalRequested']);
    const view = await callAs(
      sreMember,
      'GET',
      `${stack.url('requests')}/access-requests/${requestId}`,
    );
    expect(view.body.status).toBe('pending-approval');
  });

  it('counts another member of the group towards the quorum', async () => {
    const created = await fileRequest(stack, users.requester, {
      resource: 'db:orders-prod',
      role: 'db-admin',
      duration: 'PT1H',
    });
    const requestId: string = created.body.requestId;
    await waitForEvent(stack, requestId, 'ApprovalRequested');
    expect((await decide(stack, users.requester, requestId, 'approve')).status).toBe(403);

    const approval = await decide(stack, users.sreOther, requestId, 'approve');

    expect(approval.status).toBeLessThan(300);
    const approved = await waitForEvent(stack, requestId, 'RequestApproved');
    expect(approved.data.approvers).toEqual(['u-102']);
  });
});
