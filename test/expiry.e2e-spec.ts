import { EventEnvelope } from '@app/contracts';
import { ManualClock } from '@app/domain';
import { TopicNames } from '@app/platform';
import { loadExpiryConfig } from '../apps/expiry/src/expiry.config';
import { ExpiryModule } from '../apps/expiry/src/expiry.module';
import {
  CLAIM_DUE_DEADLINES_SQL,
  CLAIM_PLAN_DEFAULTS,
  CLAIM_PLAN_SETTINGS,
} from '../apps/expiry/src/schedule/schedule.repository';
import { approvalRequested, asRecord, grantIssued, requestApproved } from './support/expiry-events';
import { callAs, users } from './support/http';
import { RunningService, startService } from './support/service-app';
import { createTestNamespace, testBrokers, withDatabase } from './support/test-namespace';
import { nextDay } from './support/timeline';
import { testAuth } from './support/tokens';
import { TopicProbe } from './support/topic-probe';
import { sleep, waitFor } from './support/wait-for';

type Envelope = EventEnvelope & { data: Record<string, any> };

const POLL_INTERVAL_MS = 50;
// Long enough for a wrongly fired deadline to reach the topic.
const SETTLE_MS = 20 * POLL_INTERVAL_MS;
const BACKLOG_SIZE = 5000;

describe(ExpiryModule.name, () => {
  const namespace = createTestNamespace('expiry');
  const topics = new TopicNames(namespace.prefix);
  const clock = new ManualClock(new Date('2026-12-01T00:00:00.000Z'));
  const probe = new TopicProbe();
  const configWith = (env: Record<string, string> = {}) =>
    loadExpiryConfig({
      DATABASE_URL: namespace.databaseUrl,
      DATABASE_POOL_SIZE: '5',
      KAFKA_BROKERS: testBrokers.join(','),
      KAFKA_TOPIC_PREFIX: namespace.prefix,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
      HTTP_PORT: '0',
      JWT_SECRET: testAuth.jwtSecret,
      JWT_ISSUER: testAuth.issuer,
      JWT_AUDIENCE: testAuth.audience,
      EXPIRY_POLL_INTERVAL_MS: String(POLL_INTERVAL_MS),
      ...env,
    });
  const config = configWith();
  let service: RunningService | null = null;

  const start = async () => {
    service = await startService(ExpiryModule.forRoot(config, { clock }), 'expiry');
    return service;
  };
  const stop = async () => {
    await service?.close();
    service = null;
  };

  beforeAll(async () => {
    await start();
    await probe.watch([topics.accessEvents]);
  });

  afterAll(async () => {
    await probe.close();
    await stop();
    await namespace.drop();
  });

  const publish = (...events: EventEnvelope[]) =>
    probe.publish(topics.accessEvents, events.map(asRecord));

  const emitted = (type: string, predicate: (event: Envelope) => boolean = () => true) =>
    probe.where<Envelope>(
      topics.accessEvents,
      (event) => event.type === type && event.source === 'expiry' && predicate(event),
    );

  const waitForEmitted = (
    type: string,
    predicate: (event: Envelope) => boolean,
    count = 1,
    timeoutMs = 30000,
  ) =>
    probe.waitForCount<Envelope>(
      topics.accessEvents,
      (event) => event.type === type && event.source === 'expiry' && predicate(event),
      count,
      timeoutMs,
    );

  const ofGrant = (grant: EventEnvelope<'GrantIssued'>) => (event: Envelope) =>
    event.data.grantId === grant.data.grantId;
  const ofSubject = (subject: string) => (event: Envelope) => event.data.subject === subject;
  const ofRequest = (requestId: string) => (event: Envelope) => event.data.requestId === requestId;

  const query = <T>(sql: string, params: unknown[] = []) =>
    withDatabase(
      namespace.databaseUrl,
      async (client) => (await client.query(sql, params)).rows as T[],
    );

  const waitForGrants = (grants: EventEnvelope<'GrantIssued'>[]) =>
    waitFor('the grants to be scheduled', async () => {
      const rows = await query<{ count: string }>(
        'SELECT count(*) FROM expiry.grants WHERE grant_id = ANY($1::uuid[])',
        [grants.map((grant) => grant.data.grantId)],
      );
      return Number(rows[0]?.count) === grants.length;
    });

  const deadlineStatus = async (kind: string, targetId: string) =>
    (
      await query<{ status: string }>(
        'SELECT status FROM expiry.deadlines WHERE kind = $1 AND target_id = $2',
        [kind, targetId],
      )
    )[0]?.status;

  let subjects = 100;
  const aSubject = () => `u-${(subjects += 1)}`;

  it('keeps access at 11:00 while an overlapping grant covers it and revokes it once at 12:00', async () => {
    const at = nextDay(clock);
    const subject = aSubject();
    const g1 = grantIssued({ subject, startsAt: at('10:00'), endsAt: at('11:00') });
    const g2 = grantIssued({ subject, startsAt: at('10:50'), endsAt: at('12:00') });
    await publish(g1, g2);
    await waitForGrants([g1, g2]);

    clock.set(new Date(at('11:00')));
    const [g1Expired] = await waitForEmitted('GrantExpired', ofGrant(g1));
    await sleep(SETTLE_MS);

    expect(g1Expired).toMatchObject({
      time: at('11:00'),
      partitionKey: g1.data.requestId,
      correlationId: g1.correlationId,
      causationId: g1.id,
      data: { endedAt: at('11:00'), coveringGrantIds: [g2.data.grantId] },
    });
    expect(emitted('AccessRevoked', ofSubject(subject))).toHaveLength(0);

    clock.set(new Date(at('12:00')));
    await waitForEmitted('GrantExpired', ofGrant(g2));
    const [revoked] = await waitForEmitted('AccessRevoked', ofSubject(subject));
    await sleep(SETTLE_MS);

    expect(revoked).toMatchObject({
      partitionKey: g2.data.requestId,
      data: {
        lastGrantId: g2.data.grantId,
        requestId: g2.data.requestId,
        revokedAt: at('12:00'),
        reason: 'expired',
      },
    });
    expect(emitted('AccessRevoked', ofSubject(subject))).toHaveLength(1);
    expect(emitted('GrantExpired', ofSubject(subject))).toHaveLength(2);
  });

  it('leaves no gap when the next grant starts exactly as the first one ends', async () => {
    const at = nextDay(clock);
    const subject = aSubject();
    const g1 = grantIssued({ subject, startsAt: at('10:00'), endsAt: at('11:00') });
    const g2 = grantIssued({ subject, startsAt: at('11:00'), endsAt: at('12:00') });
    await publish(g1, g2);
    await waitForGrants([g1, g2]);

    clock.set(new Date(at('11:00')));
    const [g1Expired] = await waitForEmitted('GrantExpired', ofGrant(g1));
    await sleep(SETTLE_MS);

    expect(g1Expired?.data.coveringGrantIds).toEqual([g2.data.grantId]);
    expect(emitted('AccessRevoked', ofSubject(subject))).toHaveLength(0);

    clock.set(new Date(at('12:00')));
    await waitForEmitted('AccessRevoked', ofSubject(subject));
    await sleep(SETTLE_MS);

    expect(emitted('AccessRevoked', ofSubject(subject))).toHaveLength(1);
  });

  it('revokes once when two grants end at the same instant, and ignores a redelivered grant', async () => {
    const at = nextDay(clock);
    const subject = aSubject();
    const g1 = grantIssued({ subject, startsAt: at('10:00'), endsAt: at('11:00') });
    const g2 = grantIssued({ subject, startsAt: at('10:30'), endsAt: at('11:00') });
    await publish(g1, g2, g1);
    await waitForGrants([g1, g2]);

    clock.set(new Date(at('11:00')));
    await waitForEmitted('GrantExpired', ofSubject(subject), 2);
    await waitForEmitted('AccessRevoked', ofSubject(subject));
    await sleep(SETTLE_MS);

    expect(emitted('GrantExpired', ofGrant(g1))).toHaveLength(1);
    expect(emitted('AccessRevoked', ofSubject(subject))).toHaveLength(1);
  });

  it('fires a pending request deadline once and cancels the deadline of a resolved request', async () => {
    const at = nextDay(clock);
    const pending = approvalRequested(at('10:00'));
    const resolved = approvalRequested(at('10:00'));
    await publish(pending, resolved, requestApproved(resolved, at('09:30')));
    await waitFor(
      'the resolved request to have its deadline cancelled',
      async () =>
        (await deadlineStatus('request-decision', resolved.data.requestId)) === 'cancelled',
    );
    expect(await deadlineStatus('request-decision', pending.data.requestId)).toBe('scheduled');

    clock.set(new Date(at('10:00')));
    const [passed] = await waitForEmitted(
      'RequestDeadlinePassed',
      ofRequest(pending.data.requestId),
    );
    await sleep(SETTLE_MS);

    expect(passed).toMatchObject({
      partitionKey: pending.data.requestId,
      correlationId: pending.correlationId,
      causationId: pending.id,
      data: { requestId: pending.data.requestId, decideBy: at('10:00') },
    });
    expect(emitted('RequestDeadlinePassed', ofRequest(pending.data.requestId))).toHaveLength(1);
    expect(emitted('RequestDeadlinePassed', ofRequest(resolved.data.requestId))).toHaveLength(0);
    expect(await deadlineStatus('request-decision', pending.data.requestId)).toBe('fired');
  });

  it('reports the schedule to an authenticated caller only', async () => {
    const at = nextDay(clock);
    const summaryNow = () => callAs(users.auditor, 'GET', `${service!.url}/schedule/summary`);
    const before = await summaryNow();
    const grant = grantIssued({ subject: aSubject(), startsAt: at('10:00'), endsAt: at('11:00') });
    const request = approvalRequested(at('09:00'));
    await publish(grant, request);
    await waitForGrants([grant]);
    await waitFor(
      'the request deadline to be scheduled',
      async () =>
        (await deadlineStatus('request-decision', request.data.requestId)) === 'scheduled',
    );

    const after = await summaryNow();
    const anonymous = await callAs(null, 'GET', `${service!.url}/schedule/summary`);

    expect(after.status).toBe(200);
    expect(after.body).toMatchObject({
      asOf: clock.now().toISOString(),
      nextDueAt: at('09:00'),
      kinds: {
        'grant-end': {
          scheduled: before.body.kinds['grant-end'].scheduled + 1,
          overdue: 0,
          nextDueAt: at('11:00'),
        },
        'request-decision': {
          scheduled: before.body.kinds['request-decision'].scheduled + 1,
          nextDueAt: at('09:00'),
        },
      },
    });
    expect(anonymous.status).toBe(401);

    clock.set(new Date(at('11:00')));
    await waitForEmitted('GrantExpired', ofGrant(grant));
  });

  it('counts the end of a grant that is no longer active as done, emitting nothing', async () => {
    const at = nextDay(clock);
    const grant = grantIssued({ subject: aSubject(), startsAt: at('10:00'), endsAt: at('11:00') });
    await publish(grant);
    await waitForGrants([grant]);
    await query(`UPDATE expiry.grants SET status = 'expired' WHERE grant_id = $1`, [
      grant.data.grantId,
    ]);

    clock.set(new Date(at('11:00')));
    await waitFor(
      'the grant-end deadline to fire',
      async () => (await deadlineStatus('grant-end', grant.data.grantId)) === 'fired',
    );
    await sleep(SETTLE_MS);

    expect(emitted('GrantExpired', ofGrant(grant))).toHaveLength(0);
    expect(emitted('AccessRevoked', ofSubject(grant.data.subject))).toHaveLength(0);
  });

  it('splits a backlog between two instances, ending each grant and revoking each access once', async () => {
    const at = nextDay(clock);
    const chain = (key: number) =>
      Array.from({ length: 5 }, (_, link) =>
        grantIssued({
          subject: `u-${101 + (key % 99)}`,
          resource: `db:shared-${key}`,
          startsAt: new Date(Date.parse(at('09:00')) + link * 600_000).toISOString(),
          endsAt: new Date(Date.parse(at('10:00')) + link * 600_000).toISOString(),
        }),
      );
    const grants = Array.from({ length: 200 }, (_, key) => chain(key)).flat();
    const isShared = (event: Envelope) => String(event.data.resource).startsWith('db:shared-');
    await publish(...grants);
    await waitForGrants(grants);

    await stop();
    const small = configWith({ EXPIRY_BATCH_SIZE: '50' });
    const instances = await Promise.all([
      startService(ExpiryModule.forRoot(small, { clock }), 'expiry'),
      startService(ExpiryModule.forRoot(small, { clock }), 'expiry'),
    ]);
    try {
      clock.set(new Date(at('12:00')));
      await waitForEmitted('GrantExpired', isShared, grants.length);
      await waitForEmitted('AccessRevoked', isShared, 200);
      await sleep(SETTLE_MS);
    } finally {
      await Promise.all(instances.map((instance) => instance.close()));
      await start();
    }

    const expired = emitted('GrantExpired', isShared);
    const revoked = emitted('AccessRevoked', isShared);
    expect(expired).toHaveLength(grants.length);
    expect(new Set(expired.map((event) => event.data.grantId)).size).toBe(grants.length);
    expect(revoked).toHaveLength(200);
    expect(new Set(revoked.map((event) => event.data.resource)).size).toBe(200);
  });

  it('claims a burst the statistics have not seen by reading the batch in index order', async () => {
    // A burst inserted in this transaction, never analyzed, is what a burst inserted since the
    // last autovacuum looks like to the planner. Rolled back, so the scheduler never sees it.
    const plans = await withDatabase(namespace.databaseUrl, async (client) => {
      await client.query('BEGIN');
      try {
        await client.query(
          `INSERT INTO expiry.deadlines
             (kind, target_id, request_id, due_at, status, correlation_id, cause_event_id)
           SELECT 'grant-end', gen_random_uuid(), gen_random_uuid(),
                  $1::timestamptz - (n % 1000) * interval '1 millisecond', 'scheduled', 'burst',
                  gen_random_uuid()
           FROM generate_series(1, 20000) AS n`,
          [clock.now().toISOString()],
        );
        const explain = async () =>
          (
            await client.query<{ 'QUERY PLAN': string }>(
              `EXPLAIN (ANALYZE, COSTS OFF) ${CLAIM_DUE_DEADLINES_SQL}`,
              [clock.now().toISOString(), 200],
            )
          ).rows
            .map((row) => row['QUERY PLAN'])
            .join('\n');
        const unguarded = await explain();
        await client.query(CLAIM_PLAN_SETTINGS);
        const guarded = await explain();
        await client.query(CLAIM_PLAN_DEFAULTS);
        return { unguarded, guarded };
      } finally {
        await client.query('ROLLBACK');
      }
    });

    // Left to its statistics, PostgreSQL reads every due deadline and sorts them for a batch.
    expect(plans.unguarded).toMatch(/rows=20000/);
    expect(plans.guarded).toMatch(/Index Scan using deadlines_due_order_idx on deadlines/);
    expect(plans.guarded).not.toMatch(/rows=20000/);
    expect(plans.guarded).not.toMatch(/JIT/);
  });

  it('expires each grant that came due while it was down exactly once, staying responsive', async () => {
    const at = nextDay(clock);
    const backlog = Array.from({ length: BACKLOG_SIZE }, (_, index) =>
      grantIssued({
        subject: `u-${101 + (index % 99)}`,
        resource: `db:backlog-${index}`,
        startsAt: at('09:00'),
        endsAt: new Date(Date.parse(at('10:00')) + index * 1000).toISOString(),
      }),
    );
    const isBacklog = (event: Envelope) => String(event.data.resource).startsWith('db:backlog-');
    for (let from = 0; from < backlog.length; from += 1000) {
      await publish(...backlog.slice(from, from + 1000));
    }
    await waitForGrants(backlog);

    await stop();
    clock.set(new Date(at('12:00')));
    const restarted = await start();
    const health = pollHealth(restarted.url, () => emitted('GrantExpired', isBacklog).length);
    let answers: HealthAnswer[] = [];
    try {
      await waitForEmitted('GrantExpired', isBacklog, BACKLOG_SIZE, 90000);
    } finally {
      answers = await health.stop();
    }

    expect(answers.some((answer) => answer.progress < BACKLOG_SIZE)).toBe(true);
    expect(answers.every((answer) => answer.status === 200 && answer.ms < 5000)).toBe(true);

    await stop();
    await start();
    await sleep(SETTLE_MS * 3);

    const expired = emitted('GrantExpired', isBacklog);
    expect(expired).toHaveLength(BACKLOG_SIZE);
    expect(new Set(expired.map((event) => event.data.grantId)).size).toBe(BACKLOG_SIZE);
    expect(emitted('AccessRevoked', isBacklog)).toHaveLength(BACKLOG_SIZE);
    const [grants] = await query<{ active: string }>(
      `SELECT count(*) FILTER (WHERE status = 'active') AS active FROM expiry.grants`,
    );
    expect(Number(grants?.active)).toBe(0);
  });
});

interface HealthAnswer {
  /** 0 when no answer came at all. */
  status: number;
  ms: number;
  /** What the caller had observed of the work in progress when the answer came. */
  progress: number;
}

/** Asks for /health back to back until stopped; every answer's status and how long it took. */
function pollHealth(url: string, progress: () => number): { stop(): Promise<HealthAnswer[]> } {
  const answers: HealthAnswer[] = [];
  let polling = true;
  const loop = (async () => {
    while (polling) {
      const started = Date.now();
      const status = await fetch(`${url}/health`, { signal: AbortSignal.timeout(30000) }).then(
        async (response) => {
          await response.text();
          return response.status;
        },
        () => 0,
      );
      answers.push({ status, ms: Date.now() - started, progress: progress() });
      await sleep(50);
    }
  })();
  return {
    stop: async () => {
      polling = false;
      await loop;
      return answers;
    },
  };
}
