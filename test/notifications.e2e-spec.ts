import { DomainEvent } from '@app/contracts';
import { SystemClock } from '@app/domain';
import { TopicNames } from '@app/platform';
import { loadNotificationsConfig } from '../apps/notifications/src/notifications.config';
import { NotificationsModule } from '../apps/notifications/src/notifications.module';
import { verifyWebhookSignature } from '../apps/notifications/src/signing/webhook-signature';
import {
  aGrantExpired,
  aGrantIssued,
  anAccessRequestRefused,
  anAccessRevoked,
  anApprovalRecorded,
  anApprovalRequested,
  aRequestDenied,
  aRequestExpired,
} from '../apps/notifications/src/testing/access-event.builders';
import { headerOf, ReceivedWebhook, WebhookReceiver } from './support/webhook-receiver';
import { RunningService, startService } from './support/service-app';
import { createTestNamespace, testBrokers, withDatabase } from './support/test-namespace';
import { testAuth, tokenFor } from './support/tokens';
import { TopicProbe } from './support/topic-probe';
import { sleep, waitFor } from './support/wait-for';

const SIGNING_SECRET = 'e2e-webhook-signing-secret-of-32+chars';
const MAX_ATTEMPTS = 3;

interface DeliveryRow {
  id: string;
  event_id: string;
  endpoint_name: string;
  status: string;
  attempts: number;
  last_error: string | null;
  last_status_code: number | null;
  failed_at: Date | null;
  delivered_at: Date | null;
}

interface AttemptRow {
  attempt: number;
  status_code: number | null;
  error: string | null;
}

describe('notifications service (e2e)', () => {
  const namespace = createTestNamespace('notifications');
  const topics = new TopicNames(namespace.prefix);
  const probe = new TopicProbe();
  const instances: RunningService[] = [];
  let healthy: WebhookReceiver;
  let flaky: WebhookReceiver;
  let broken: WebhookReceiver;

  const approvalRequested = anApprovalRequested();
  const grantIssued = aGrantIssued();
  const notifiable: DomainEvent[] = [
    approvalRequested,
    grantIssued,
    aRequestDenied(),
    aRequestExpired(),
    anAccessRequestRefused(),
    aGrantExpired(),
    anAccessRevoked(),
  ];
  const ignored = anApprovalRecorded();

  function environment(): NodeJS.ProcessEnv {
    return {
      DATABASE_URL: namespace.databaseUrl,
      KAFKA_BROKERS: testBrokers.join(','),
      KAFKA_TOPIC_PREFIX: namespace.prefix,
      LOG_LEVEL: 'warn',
      JWT_SECRET: testAuth.jwtSecret,
      JWT_ISSUER: testAuth.issuer,
      JWT_AUDIENCE: testAuth.audience,
      NOTIFICATION_WEBHOOKS: JSON.stringify([
        { name: 'security-leads', url: healthy.url },
        { name: 'flaky-chat', url: flaky.url, events: ['ApprovalRequested'] },
        { name: 'broken-siem', url: broken.url, events: ['GrantIssued'] },
      ]),
      WEBHOOK_SIGNING_SECRET: SIGNING_SECRET,
      WEBHOOK_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
      WEBHOOK_TIMEOUT_MS: '2000',
      WEBHOOK_RETRY_BASE_MS: '50',
      WEBHOOK_RETRY_MAX_MS: '200',
      NOTIFICATIONS_POLL_INTERVAL_MS: '50',
    };
  }

  function publish(events: DomainEvent[]): Promise<void> {
    return probe
      .publish(
        topics.accessEvents,
        events.map((event) => ({ key: event.partitionKey, value: JSON.stringify(event) })),
      )
      .then(() => undefined);
  }

  function deliveries(): Promise<DeliveryRow[]> {
    return withDatabase(namespace.databaseUrl, async (client) => {
      const result = await client.query<DeliveryRow>(
        `SELECT id, event_id, endpoint_name, status, attempts, last_error, last_status_code,
                failed_at, delivered_at
         FROM notifications.deliveries ORDER BY created_at, endpoint_name`,
      );
      return result.rows;
    });
  }

  function attemptsOf(deliveryId: string): Promise<AttemptRow[]> {
    return withDatabase(namespace.databaseUrl, async (client) => {
      const result = await client.query<AttemptRow>(
        `SELECT attempt, status_code, error FROM notifications.delivery_attempts
         WHERE delivery_id = $1 ORDER BY attempt`,
        [deliveryId],
      );
      return result.rows;
    });
  }

  function deliveryOf(rows: DeliveryRow[], eventId: string, endpoint: string): DeliveryRow {
    const row = rows.find(
      (candidate) => candidate.event_id === eventId && candidate.endpoint_name === endpoint,
    );
    if (!row) throw new Error(`no delivery of ${eventId} to ${endpoint}`);
    return row;
  }

  function eventIdsReceivedBy(receiver: WebhookReceiver): string[] {
    return receiver.received.map((webhook) => headerOf(webhook, 'X-Jit-Event-Id'));
  }

  beforeAll(async () => {
    healthy = await WebhookReceiver.start(() => 200);
    flaky = await WebhookReceiver.start((index) => (index < 2 ? 500 : 200));
    broken = await WebhookReceiver.start(() => 503);

    // Two instances share the database and the consumer group, as a scaled-out deployment would.
    const config = loadNotificationsConfig(environment());
    for (let i = 0; i < 2; i += 1) {
      instances.push(
        await startService(
          NotificationsModule.forRoot(config, { clock: new SystemClock() }),
          'notifications',
        ),
      );
    }

    await publish([...notifiable, approvalRequested, ignored]);
    await waitFor(
      'every delivery to be delivered or failed',
      async () => {
        const rows = await deliveries();
        return (
          rows.length === notifiable.length + 2 && rows.every((row) => row.status !== 'pending')
        );
      },
      60_000,
      100,
    );
  });

  afterAll(async () => {
    for (const instance of instances) await instance.close();
    await probe.close();
    await Promise.all([healthy?.close(), flaky?.close(), broken?.close()]);
    await namespace.drop();
  });

  it('sends each notifiable event to the endpoint taking every type exactly once', () => {
    const expected = notifiable.map((event) => event.id).sort();

    expect([...eventIdsReceivedBy(healthy)].sort()).toEqual(expected);
  });

  it('signs every request so that the receiver can verify the exact body it got', () => {
    for (const webhook of [...healthy.received, ...flaky.received, ...broken.received]) {
      const verification = verifyWebhookSignature(
        SIGNING_SECRET,
        webhook.body,
        headerOf(webhook, 'X-Jit-Signature'),
        new Date(),
        300,
      );

      expect(verification.valid).toBe(true);
      expect(headerOf(webhook, 'Content-Type')).toBe('application/json');
    }
  });

  it('sends the notification with its ids, summary, context and the event itself', () => {
    for (const webhook of healthy.received) {
      const event = notifiable.find((candidate) => candidate.id === webhook.json['eventId']);

      expect(event).toBeDefined();
      expect(webhook.json).toMatchObject({
        deliveryId: headerOf(webhook, 'X-Jit-Delivery-Id'),
        eventId: headerOf(webhook, 'X-Jit-Event-Id'),
        eventType: headerOf(webhook, 'X-Jit-Event-Type'),
        occurredAt: event!.time,
        summary: expect.any(String),
        context: { requestId: event!.partitionKey },
        event: { id: event!.id, type: event!.type, data: event!.data },
      });
    }
    const approval = healthy.received.find(
      (webhook) => webhook.json['eventId'] === approvalRequested.id,
    ) as ReceivedWebhook;
    expect(approval.json['context']).toMatchObject({
      kind: 'approval-needed',
      requester: approvalRequested.data.requester,
      resource: approvalRequested.data.resource,
      role: approvalRequested.data.role,
      duration: approvalRequested.data.duration,
      ticket: approvalRequested.data.ticket,
      approval: {
        approverGroups: approvalRequested.data.approverGroups,
        approvalsRequired: approvalRequested.data.approvalsRequired,
        decideBy: approvalRequested.data.decideBy,
      },
    });
  });

  it('retries a receiver that fails at first and records it delivered after 3 attempts', async () => {
    const delivery = deliveryOf(await deliveries(), approvalRequested.id, 'flaky-chat');

    expect(delivery).toMatchObject({ status: 'delivered', attempts: 3, last_status_code: 200 });
    expect(delivery.delivered_at).not.toBeNull();
    expect((await attemptsOf(delivery.id)).map((attempt) => attempt.status_code)).toEqual([
      500, 500, 200,
    ]);
    expect(flaky.received.map((webhook) => headerOf(webhook, 'X-Jit-Delivery-Attempt'))).toEqual([
      '1',
      '2',
      '3',
    ]);
    expect(new Set(flaky.received.map((webhook) => webhook.body)).size).toBe(1);
  });

  it('sends an endpoint only the event types it asked for', () => {
    expect(eventIdsReceivedBy(flaky)).toEqual([
      approvalRequested.id,
      approvalRequested.id,
      approvalRequested.id,
    ]);
    expect(new Set(eventIdsReceivedBy(broken))).toEqual(new Set([grantIssued.id]));
  });

  it('records a delivery that keeps failing as failed after the last attempt, with every attempt', async () => {
    const delivery = deliveryOf(await deliveries(), grantIssued.id, 'broken-siem');

    expect(delivery).toMatchObject({
      status: 'failed',
      attempts: MAX_ATTEMPTS,
      last_status_code: 503,
    });
    expect(delivery.last_error).toContain('HTTP 503');
    expect(delivery.failed_at).not.toBeNull();
    expect(await attemptsOf(delivery.id)).toEqual([
      { attempt: 1, status_code: 503, error: expect.stringContaining('HTTP 503') },
      { attempt: 2, status_code: 503, error: expect.stringContaining('HTTP 503') },
      { attempt: 3, status_code: 503, error: expect.stringContaining('HTTP 503') },
    ]);
    expect(broken.received).toHaveLength(MAX_ATTEMPTS);
  });

  it('creates no delivery for an event nobody is told about', async () => {
    expect((await deliveries()).filter((row) => row.event_id === ignored.id)).toEqual([]);
  });

  it('tells each recipient once when the same event arrives again later', async () => {
    // Same key, so the marker is consumed after the duplicate: once it arrived, so did the duplicate.
    const marker = aRequestExpired({ requestId: approvalRequested.data.requestId });
    await publish([approvalRequested, marker]);
    await waitFor(
      'the marker to reach the receiver',
      () => eventIdsReceivedBy(healthy).includes(marker.id),
      30_000,
    );
    await sleep(300);

    const rows = (await deliveries()).filter((row) => row.event_id === approvalRequested.id);
    expect(rows.map((row) => row.endpoint_name).sort()).toEqual(['flaky-chat', 'security-leads']);
    expect(eventIdsReceivedBy(healthy).filter((id) => id === approvalRequested.id)).toHaveLength(1);
    expect(flaky.received).toHaveLength(3);
  });

  describe('GET /deliveries', () => {
    async function get(path: string, token?: string): Promise<{ status: number; body: any }> {
      const response = await fetch(`${instances[0]!.url}${path}`, {
        headers: token ? { Authorization: `Bearer ${token}` } : {},
      });
      return { status: response.status, body: await response.json() };
    }

    it('lists the deliveries of an event with their attempts', async () => {
      const token = await tokenFor('u-150', ['security-leads']);

      const { status, body } = await get(`/deliveries?eventId=${approvalRequested.id}`, token);

      expect(status).toBe(200);
      expect(body.deliveries).toHaveLength(2);
      const flakyDelivery = body.deliveries.find(
        (delivery: { endpoint: string }) => delivery.endpoint === 'flaky-chat',
      );
      expect(flakyDelivery).toMatchObject({
        eventId: approvalRequested.id,
        eventType: 'ApprovalRequested',
        status: 'delivered',
        attemptCount: 3,
        attempts: [
          { attempt: 1, statusCode: 500 },
          { attempt: 2, statusCode: 500 },
          { attempt: 3, statusCode: 200, error: null },
        ],
      });
      expect(flakyDelivery).not.toHaveProperty('url');
    });

    it('lists the failed deliveries', async () => {
      const token = await tokenFor('u-150', ['security-leads']);

      const { status, body } = await get('/deliveries?status=failed', token);

      expect(status).toBe(200);
      expect(body.deliveries).toHaveLength(1);
      expect(body.deliveries[0]).toMatchObject({
        eventId: grantIssued.id,
        endpoint: 'broken-siem',
        status: 'failed',
        attemptCount: MAX_ATTEMPTS,
        failedAt: expect.any(String),
      });
      expect(body.deliveries[0].attempts).toHaveLength(MAX_ATTEMPTS);
    });

    it('names the bad query parameter', async () => {
      const token = await tokenFor('u-150');

      const { status, body } = await get('/deliveries?status=lost&limit=0', token);

      expect(status).toBe(400);
      expect(body.problems.map((problem: { field: string }) => problem.field).sort()).toEqual([
        'limit',
        'status',
      ]);
    });

    it('refuses a caller without a token', async () => {
      const { status, body } = await get('/deliveries');

      expect(status).toBe(401);
      expect(body.error).toBe('unauthenticated');
    });
  });
});
