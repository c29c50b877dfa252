import { ManualClock } from '@app/domain';
import { users } from '../support/http';
import {
  eventsOfType,
  fileRequest,
  requestAndApprove,
  waitForEvent,
  decide,
} from '../support/flows';
import { ledgerRows } from '../support/ledger-queries';
import { TestStack } from '../support/stack';
import { withDatabase } from '../support/test-namespace';
import { waitFor } from '../support/wait-for';

describe('S02: the requested duration is never silently replaced', () => {
  const approvedAt = new Date('2026-12-07T09:00:00.000Z');
  const clock = new ManualClock(approvedAt);
  let stack: TestStack;

  beforeAll(async () => {
    stack = await TestStack.start({ name: 's02', clock });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const storedGrantWindow = (grantId: string) =>
    waitFor('the grant in the ledger projection', () =>
      withDatabase(stack.namespace.databaseUrl, async (client) => {
        const result = await client.query(
          'SELECT starts_at, ends_at FROM ledger.current_grants WHERE grant_id = $1',
          [grantId],
        );
        return result.rows[0] as { starts_at: Date; ends_at: Date } | undefined;
      }),
    );

  it('ends a PT1H grant approved at T at exactly T + 1 hour, not at the 12-hour default', async () => {
    const grant = await requestAndApprove(stack, users.requester, users.dbaOne, {
      resource: 'db:orders-prod',
      role: 'read-only',
      duration: 'PT1H',
    });

    expect(grant.data).toMatchObject({
      startsAt: approvedAt.toISOString(),
      endsAt: new Date(approvedAt.getTime() + 3600_000).toISOString(),
      duration: 'PT1H',
      requestedDuration: 'PT1H',
      capped: false,
    });
    const stored = await storedGrantWindow(grant.data.grantId);
    expect(stored.ends_at.toISOString()).toBe('2026-12-07T10:00:00.000Z');
  });

  it('refuses a request over the policy maximum and names the maximum', async () => {
    const refused = await fileRequest(stack, users.requester, {
      resource: 'db:orders-prod',
      role: 'db-admin',
      duration: 'PT5H',
    });

    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({
      error: 'duration-exceeds-maximum',
      maximumDuration: 'PT4H',
    });
    expect(refused.body.message).toContain('PT4H');
    const recorded = await waitFor('the refusal in the ledger', async () => {
      const rows = await ledgerRows(stack.namespace.databaseUrl);
      return rows.find((row) => row.event_type === 'AccessRequestRefused');
    });
    expect(JSON.parse(recorded.payload).data).toMatchObject({ maximumDuration: 'PT4H' });
  });

  it('caps only where the policy allows it, and says so in the response and the ledger', async () => {
    const created = await fileRequest(stack, users.engineer, {
      resource: 'db:analytics-prod',
      role: 'read-only',
      duration: 'PT3H',
    });
    expect(created.status).toBe(202);
    expect(created.body).toMatchObject({
      duration: 'PT3H',
      terms: { grantedDuration: 'PT2H', capped: true },
    });
    const requestId: string = created.body.requestId;

    await waitForEvent(stack, requestId, 'ApprovalRequested');
    expect((await decide(stack, users.dbaOne, requestId, 'approve')).status).toBeLessThan(300);
    const grant = await waitForEvent(stack, requestId, 'GrantIssued');

    expect(grant.data).toMatchObject({ duration: 'PT2H', requestedDuration: 'PT3H', capped: true });
    expect(Date.parse(grant.data.endsAt) - Date.parse(grant.data.startsAt)).toBe(2 * 3600_000);
    const rows = await waitFor('the capped grant in the ledger', async () => {
      const found = await ledgerRows(stack.namespace.databaseUrl, requestId);
      return found.some((row) => row.event_type === 'GrantIssued') ? found : undefined;
    });
    const stored = rows.find((row) => row.event_type === 'GrantIssued')!;
    expect(JSON.parse(stored.payload).data).toMatchObject({ capped: true, duration: 'PT2H' });
    expect(eventsOfType(stack, 'GrantIssued', requestId)).toHaveLength(1);
  });
});
