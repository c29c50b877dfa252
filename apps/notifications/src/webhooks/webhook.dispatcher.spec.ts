import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { ManualClock } from '@app/domain';
import {
  AttemptRecord,
  ClaimedDelivery,
  DeliveryQueue,
  DeliveryStatus,
} from '../deliveries/delivery.repository';
import { verifyWebhookSignature } from '../signing/webhook-signature';
import { DeliveryStep } from './retry-schedule';
import { OutgoingWebhook } from './webhook-request';
import { WebhookSettings } from './webhook-settings';
import { WebhookResponse, WebhookTransport } from './webhook.sender';
import { LEASE_MARGIN_MS, MAX_PARALLEL_DELIVERIES, WebhookDispatcher } from './webhook.dispatcher';

const SECRET = 'dispatcher-test-signing-secret-32+chars';
const START = new Date('2026-12-03T10:00:00.000Z');

interface StoredDelivery extends ClaimedDelivery {
  status: DeliveryStatus;
  nextAttemptAt: Date | null;
  lastError: string | null;
  log: AttemptRecord[];
}

/** The queue's contract kept in memory: due-ness, leases and the attempt-count guard. */
class InMemoryDeliveryQueue implements DeliveryQueue {
  readonly rows = new Map<string, StoredDelivery>();

  add(dueAt: Date = START): StoredDelivery {
    const row: StoredDelivery = {
      id: randomUUID(),
      eventId: randomUUID(),
      eventType: 'ApprovalRequested',
      endpointName: 'security-leads',
      channel: 'webhook',
      noticeId: null,
      url: 'https://hooks.example.test/jit',
      body: JSON.stringify({ summary: 'u-101 requests db-admin on db:orders-prod' }),
      attempts: 0,
      status: 'pending',
      nextAttemptAt: dueAt,
      lastError: null,
      log: [],
    };
    this.rows.set(row.id, row);
    return row;
  }

  async claimDue(now: Date, leaseUntil: Date, limit: number): Promise<ClaimedDelivery[]> {
    const due = [...this.rows.values()]
      .filter((row) => row.status === 'pending' && row.nextAttemptAt! <= now)
      .slice(0, limit);
    for (const row of due) row.nextAttemptAt = leaseUntil;
    return due.map(
      ({ id, eventId, eventType, endpointName, channel, noticeId, url, body, attempts }) => ({
        id,
        eventId,
        eventType,
        endpointName,
        channel,
        noticeId,
        url,
        body,
        attempts,
      }),
    );
  }

  async recordAttempt(
    delivery: ClaimedDelivery,
    attempt: AttemptRecord,
    step: DeliveryStep,
  ): Promise<boolean> {
    const row = this.rows.get(delivery.id)!;
    if (row.status !== 'pending' || row.attempts !== delivery.attempts) return false;
    row.attempts = attempt.attempt;
    row.status = step.status;
    row.nextAttemptAt = step.status === 'pending' ? step.nextAttemptAt : null;
    row.lastError = attempt.error;
    row.log.push(attempt);
    return true;
  }
}

class ScriptedTransport implements WebhookTransport {
  readonly requests: OutgoingWebhook[] = [];

  constructor(
    private readonly answer: (index: number) => Promise<WebhookResponse> | WebhookResponse,
  ) {}

  async send(request: OutgoingWebhook): Promise<WebhookResponse> {
    this.requests.push(request);
    return this.answer(this.requests.length - 1);
  }
}

const ok = (): WebhookResponse => ({ statusCode: 200, error: null, durationMs: 12 });
const serverError = (): WebhookResponse => ({
  statusCode: 503,
  error: 'receiver answered HTTP 503',
  durationMs: 7,
});

function settings(overrides: Partial<WebhookSettings> = {}): WebhookSettings {
  return {
    endpoints: [],
    signingSecret: SECRET,
    maxAttempts: 3,
    timeoutMs: 5000,
    retry: { baseMs: 1000, maxMs: 300_000 },
    pollIntervalMs: 200,
    ...overrides,
  };
}

describe(WebhookDispatcher.name, () => {
  let clock: ManualClock;
  let queue: InMemoryDeliveryQueue;

  beforeEach(() => {
    clock = new ManualClock(START);
    queue = new InMemoryDeliveryQueue();
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });

  afterEach(() => jest.restoreAllMocks());

  function dispatcher(transport: WebhookTransport, overrides: Partial<WebhookSettings> = {}) {
    return new WebhookDispatcher(queue, transport, clock, settings(overrides));
  }

  it('sends a due delivery, signed, with its ids in the headers, and records it delivered', async () => {
    const delivery = queue.add();
    const transport = new ScriptedTransport(ok);

    await dispatcher(transport).runOnce();

    const [request] = transport.requests;
    expect(request).toBeDefined();
    expect(request!.body).toBe(delivery.body);
    expect(request!.headers).toMatchObject({
      'Content-Type': 'application/json',
      'X-Jit-Event-Id': delivery.eventId,
      'X-Jit-Event-Type': 'ApprovalRequested',
      'X-Jit-Delivery-Id': delivery.id,
      'X-Jit-Delivery-Attempt': '1',
    });
    const signature = request!.headers['X-Jit-Signature'];
    expect(verifyWebhookSignature(SECRET, delivery.body, signature, clock.now(), 60).valid).toBe(
      true,
    );
    expect(queue.rows.get(delivery.id)).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(queue.rows.get(delivery.id)!.log[0]).toMatchObject({
      attempt: 1,
      attemptedAt: START,
      statusCode: 200,
      error: null,
    });
  });

  it('leaves a delivery that is not yet due alone', async () => {
    queue.add(new Date(START.getTime() + 1000));
    const transport = new ScriptedTransport(ok);

    expect(await dispatcher(transport).runOnce()).toBe(0);
    expect(transport.requests).toHaveLength(0);
  });

  it('retries a failed attempt after the base delay, less at most a fifth of jitter', async () => {
    const delivery = queue.add();
    const transport = new ScriptedTransport((index) => (index === 0 ? serverError() : ok()));
    const subject = dispatcher(transport);

    await subject.runOnce();

    const retryAt = queue.rows.get(delivery.id)!.nextAttemptAt!.getTime();
    expect(retryAt).toBeGreaterThanOrEqual(START.getTime() + 800);
    expect(retryAt).toBeLessThanOrEqual(START.getTime() + 1000);
    expect(queue.rows.get(delivery.id)).toMatchObject({
      status: 'pending',
      attempts: 1,
      lastError: 'receiver answered HTTP 503',
    });

    clock.set(new Date(retryAt - 1));
    expect(await subject.runOnce()).toBe(0);

    clock.set(new Date(retryAt));
    await subject.runOnce();
    expect(transport.requests).toHaveLength(2);
    expect(transport.requests[1]!.headers['X-Jit-Delivery-Attempt']).toBe('2');
    expect(queue.rows.get(delivery.id)).toMatchObject({ status: 'delivered', attempts: 2 });
  });

  it('records a delivery as failed after its last attempt, and says so in an error log', async () => {
    const delivery = queue.add();
    const subject = dispatcher(new ScriptedTransport(serverError), { maxAttempts: 3 });

    for (let round = 0; round < 3; round += 1) {
      await subject.runOnce();
      clock.advance(10_000);
    }

    const stored = queue.rows.get(delivery.id)!;
    expect(stored).toMatchObject({ status: 'failed', attempts: 3, nextAttemptAt: null });
    expect(stored.log.map((attempt) => attempt.attempt)).toEqual([1, 2, 3]);
    expect(Logger.prototype.error).toHaveBeenCalledWith(
      expect.objectContaining({
        deliveryId: delivery.id,
        endpoint: 'security-leads',
        eventId: delivery.eventId,
        lastError: 'receiver answered HTTP 503',
      }),
    );
    expect(await subject.runOnce()).toBe(0);
  });

  it('does not send a delivery another dispatcher holds the lease of', async () => {
    queue.add();
    let release: () => void = () => undefined;
    const slow = new ScriptedTransport(
      () => new Promise<WebhookResponse>((resolve) => (release = () => resolve(ok()))),
    );
    const other = new ScriptedTransport(ok);

    const first = dispatcher(slow).runOnce();
    await new Promise((resolve) => setImmediate(resolve));
    const second = await dispatcher(other).runOnce();
    release();
    await first;

    expect(second).toBe(0);
    expect(slow.requests).toHaveLength(1);
    expect(other.requests).toHaveLength(0);
  });

  it('sends a delivery again once the lease of a dispatcher that died mid-send has run out', async () => {
    const delivery = queue.add();
    await queue.claimDue(clock.now(), new Date(START.getTime() + 5000 + LEASE_MARGIN_MS), 1);
    const transport = new ScriptedTransport(ok);
    const subject = dispatcher(transport, { timeoutMs: 5000 });

    expect(await subject.runOnce()).toBe(0);
    clock.advance(5000 + LEASE_MARGIN_MS);
    await subject.runOnce();

    expect(transport.requests).toHaveLength(1);
    expect(queue.rows.get(delivery.id)).toMatchObject({ status: 'delivered', attempts: 1 });
  });

  it(`sends at most ${MAX_PARALLEL_DELIVERIES} deliveries at a time`, async () => {
    for (let i = 0; i < 20; i += 1) queue.add();
    let inFlight = 0;
    let mostInFlight = 0;
    const transport = new ScriptedTransport(async () => {
      inFlight += 1;
      mostInFlight = Math.max(mostInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight -= 1;
      return ok();
    });
    const subject = dispatcher(transport);

    const rounds = await Promise.all([subject.runOnce(), subject.runOnce(), subject.runOnce()]);

    expect(rounds).toEqual([MAX_PARALLEL_DELIVERIES, 0, 0]);
    expect(mostInFlight).toBe(MAX_PARALLEL_DELIVERIES);
  });

  it('keeps sending in the background until stopped', async () => {
    queue.add();
    const transport = new ScriptedTransport(ok);
    const subject = dispatcher(transport, { pollIntervalMs: 5 });

    subject.start();
    await new Promise((resolve) => setTimeout(resolve, 50));
    queue.add();
    subject.wake();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await subject.stop();

    expect(transport.requests).toHaveLength(2);
    expect([...queue.rows.values()].every((row) => row.status === 'delivered')).toBe(true);
  });
});
