import { aGrantIssued } from '@app/contracts/testing';
import { ManualClock } from '@app/domain';
import { ALL_SERVICES, TestStack } from '../support/stack';
import { withDatabase } from '../support/test-namespace';
import { settle } from '../support/flows';
import { waitFor } from '../support/wait-for';

const GRANTS = 5000;
// A liveness bound, not a speed target: an API that answers within it is not starved.
const RESPONSIVE_WITHIN_MS = 5000;

describe('S05: grants that came due while expiry was down are expired exactly once', () => {
  const start = new Date('2026-12-07T08:00:00.000Z');
  const clock = new ManualClock(start);
  let stack: TestStack;

  beforeAll(async () => {
    stack = await TestStack.start({ name: 's05', clock });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const countLedger = (type: string) =>
    withDatabase(stack.namespace.databaseUrl, async (client) => {
      const result = await client.query(
        `SELECT count(*)::int AS all, count(DISTINCT (payload::jsonb -> 'data' ->> 'grantId'))::int AS grants
         FROM ledger.ledger_entries WHERE event_type = $1`,
        [type],
      );
      return result.rows[0] as { all: number; grants: number };
    });

  it('drains the backlog once, keeps every API responsive, and fires nothing after a second restart', async () => {
    const issued = Array.from({ length: GRANTS }, (_, index) =>
      aGrantIssued(
        {
          subject: `u-1${String(index).padStart(4, '0')}`,
          role: 'read-only',
          startsAt: start.toISOString(),
          endsAt: new Date(start.getTime() + 60_000 + index).toISOString(),
          duration: 'PT1M',
          requestedDuration: 'PT1M',
          policyId: 'orders-prod',
        },
        { time: start },
      ),
    );
    for (let offset = 0; offset < GRANTS; offset += 500) {
      await stack.probe.publish(
        stack.topics.accessEvents,
        issued
          .slice(offset, offset + 500)
          .map((event) => ({ key: event.partitionKey, value: JSON.stringify(event) })),
      );
    }
    await waitFor(
      'every grant scheduled by expiry',
      () =>
        withDatabase(stack.namespace.databaseUrl, async (client) => {
          const result = await client.query(`SELECT count(*)::int AS n FROM expiry.grants`);
          return result.rows[0].n === GRANTS;
        }),
      120000,
      500,
    );

    await stack.stopService('expiry');
    clock.advance(3600_000);
    await stack.startService('expiry');

    const slowest = { ms: 0 };
    let draining = true;
    const probing = (async () => {
      while (draining) {
        for (const service of ALL_SERVICES) {
          const began = Date.now();
          const response = await fetch(`${stack.url(service)}/health`, {
            signal: AbortSignal.timeout(RESPONSIVE_WITHIN_MS * 2),
          });
          expect(response.status).toBe(200);
          slowest.ms = Math.max(slowest.ms, Date.now() - began);
        }
        await settle(200);
      }
    })();
    await waitFor(
      'every overdue grant expired in the ledger',
      async () => (await countLedger('GrantExpired')).all >= GRANTS,
      180000,
      500,
    );
    draining = false;
    await probing;
    expect(slowest.ms).toBeLessThan(RESPONSIVE_WITHIN_MS);

    await stack.stopService('expiry');
    await stack.startService('expiry');
    await settle(3000);

    expect(await countLedger('GrantExpired')).toEqual({ all: GRANTS, grants: GRANTS });
    expect(await countLedger('AccessRevoked')).toEqual({ all: GRANTS, grants: 0 });
  });
});
