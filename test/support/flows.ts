import { callAs } from './http';
import { TestStack } from './stack';

export type Envelope = {
  id: string;
  type: string;
  source: string;
  partitionKey: string;
  data: Record<string, any>;
};
type User = { id: string; groups: string[] };

export interface AccessRequestBody {
  resource: string;
  role: string;
  duration: string;
  justification?: string;
  ticket?: string;
  startAt?: string;
}

export async function fileRequest(stack: TestStack, requester: User, body: AccessRequestBody) {
  return callAs(requester, 'POST', `${stack.url('requests')}/access-requests`, {
    justification: 'End-to-end test',
    ...body,
  });
}

export function waitForEvent(stack: TestStack, requestId: string, type: string, timeoutMs = 30000) {
  return stack.probe
    .waitForCount<Envelope>(
      stack.topics.accessEvents,
      (event) => event.partitionKey === requestId && event.type === type,
      1,
      timeoutMs,
    )
    .then(([event]) => event!);
}

export function eventsOfType(stack: TestStack, type: string, requestId?: string): Envelope[] {
  return stack.probe.where<Envelope>(
    stack.topics.accessEvents,
    (event) => event.type === type && (requestId === undefined || event.partitionKey === requestId),
  );
}

export function decide(
  stack: TestStack,
  approver: User,
  requestId: string,
  decision: 'approve' | 'deny',
) {
  return callAs(
    approver,
    'POST',
    `${stack.url('approvals')}/access-requests/${requestId}/${decision}`,
    {
      comment: `${decision} from the end-to-end test`,
    },
  );
}

/** Files a request, waits until it waits for approval, approves it, and returns the grant. */
export async function requestAndApprove(
  stack: TestStack,
  requester: User,
  approver: User,
  body: AccessRequestBody,
): Promise<Envelope> {
  const created = await fileRequest(stack, requester, body);
  if (created.status !== 202) throw new Error(`request refused: ${JSON.stringify(created.body)}`);
  const requestId: string = created.body.requestId;
  await waitForEvent(stack, requestId, 'ApprovalRequested');
  const approved = await decide(stack, approver, requestId, 'approve');
  if (approved.status >= 300) throw new Error(`approval refused: ${JSON.stringify(approved.body)}`);
  return waitForEvent(stack, requestId, 'GrantIssued');
}

/** Lets the services run for a while, to show that something does NOT happen. */
export const settle = (ms = 1500) => new Promise((resolve) => setTimeout(resolve, ms));
