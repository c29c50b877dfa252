import { users } from '../support/http';
import { decide, fileRequest, settle, waitForEvent } from '../support/flows';
import { ledgerRows } from '../support/ledger-queries';
import { TestStack } from '../support/stack';
import { WebhookReceiver } from '../support/webhook-receiver';
import { waitFor } from '../support/wait-for';

const ROUNDS = 15;
const OUTCOMES = ['RequestApproved', 'RequestDenied'];

describe('S03: concurrent decisions resolve a request exactly once', () => {
  let receiver: WebhookReceiver;
  let stack: TestStack;

  beforeAll(async () => {
    receiver = await WebhookReceiver.start(() => 204);
    const url = receiver.url;
    stack = await TestStack.start({
      name: 's03',
      serviceEnv: {
        notifications: { NOTIFICATION_WEBHOOKS: JSON.stringify([{ name: 'leads', url }]) },
      },
    });
  });
  afterAll(async () => {
    await stack?.close();
    await receiver?.close();
  });

  it('records one resolution when an approval and a denial race, round after round', async () => {
    const requestIds: string[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const created = await fileRequest(stack, users.requester, {
        resource: 'db:orders-prod',
        role: 'read-only',
        duration: 'PT30M',
      });
      requestIds.push(created.body.requestId);
    }
    await Promise.all(requestIds.map((id) => waitForEvent(stack, id, 'ApprovalRequested')));

    const answers = await Promise.all(
      requestIds.map((id) =>
        Promise.all([
          decide(stack, users.dbaOne, id, 'approve'),
          decide(stack, users.dbaTwo, id, 'deny'),
        ]),
      ),
    );

    for (const [approval, denial] of answers) {
      const statuses = [approval.status, denial.status];
      expect(statuses.filter((status) => status === 409)).toHaveLength(1);
      expect(statuses.filter((status) => status < 300)).toHaveLength(1);
      const conflict = approval.status === 409 ? approval : denial;
      expect(conflict.body.error).toBe('already-resolved');
    }
    await settle(2000);
    for (const [index, requestId] of requestIds.entries()) {
      const rows = await waitFor('the resolution in the ledger', async () => {
        const found = await ledgerRows(stack.namespace.databaseUrl, requestId);
        return found.some((row) => OUTCOMES.includes(row.event_type)) ? found : undefined;
      });
      const resolutions = rows.filter((row) => OUTCOMES.includes(row.event_type));
      expect(resolutions).toHaveLength(1);
      const [approval] = answers[index]!;
      expect(resolutions[0]!.event_type).toBe(
        approval.status < 300 ? 'RequestApproved' : 'RequestDenied',
      );

      const outcomeType = approval.status < 300 ? 'GrantIssued' : 'RequestDenied';
      await waitFor(
        'the outcome notification',
        () => receiver.about(requestId, outcomeType).length > 0,
      );
      expect(
        receiver.about(requestId, 'GrantIssued').length +
          receiver.about(requestId, 'RequestDenied').length,
      ).toBe(1);
    }
  });
});
