import { users } from '../support/http';
import { fileRequest, waitForEvent } from '../support/flows';
import { TestStack } from '../support/stack';
import { withDatabase } from '../support/test-namespace';
import { waitFor } from '../support/wait-for';

const MINUTE = 60_000;

describe('S09: durations mean exactly what they say, or are refused', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await TestStack.start({ name: 's09' });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const storedLength = (grantId: string) =>
    waitFor('the stored grant', () =>
      withDatabase(stack.namespace.databaseUrl, async (client) => {
        const result = await client.query(
          `SELECT (extract(epoch FROM ends_at - starts_at) * 1000)::bigint AS ms
           FROM ledger.current_grants WHERE grant_id = $1`,
          [grantId],
        );
        return result.rows[0] ? Number(result.rows[0].ms) : undefined;
      }),
    );

  it.each([
    ['PT1H30M', 90 * MINUTE],
    ['PT90M', 90 * MINUTE],
    ['P1D', 24 * 60 * MINUTE],
  ])('stores a grant of exactly the length %s says', async (duration, expectedMs) => {
    const created = await fileRequest(stack, users.engineer, {
      resource: 'db:orders-staging',
      role: 'read-only',
      duration,
    });
    expect(created.status).toBe(202);

    const grant = await waitForEvent(stack, created.body.requestId, 'GrantIssued');

    expect(Date.parse(grant.data.endsAt) - Date.parse(grant.data.startsAt)).toBe(expectedMs);
    expect(await storedLength(grant.data.grantId)).toBe(expectedMs);
  });

  it.each(['1h30m', '90', '1d'])('refuses %s and shows the accepted form', async (duration) => {
    const refused = await fileRequest(stack, users.engineer, {
      resource: 'db:orders-staging',
      role: 'read-only',
      duration,
    });

    expect(refused.status).toBe(400);
    const problem = refused.body.problems.find((p: { field: string }) => p.field === 'duration');
    expect(problem.reason).toContain('PT1H30M');
  });

  it.each(['-PT1H', 'PT0S', 'PT0.5S'])('refuses %s', async (duration) => {
    const refused = await fileRequest(stack, users.engineer, {
      resource: 'db:orders-staging',
      role: 'read-only',
      duration,
    });

    expect(refused.status).toBe(400);
    expect(refused.body.problems.map((p: { field: string }) => p.field)).toContain('duration');
  });

  it('refuses P9999D and names the policy maximum', async () => {
    const refused = await fileRequest(stack, users.engineer, {
      resource: 'db:orders-staging',
      role: 'read-only',
      duration: 'P9999D',
    });

    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({
      error: 'duration-exceeds-maximum',
      maximumDuration: 'P2D',
    });
  });
});
