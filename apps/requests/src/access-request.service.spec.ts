import { Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { DomainEvent, Principal } from '@app/contracts';
import { ManualClock, parsePolicySet } from '@app/domain';
import { Emit, TransactionalOutbox } from '@app/platform';
import {
  AccessRequestNotFoundError,
  IdempotencyKeyReusedError,
  InvalidDurationError,
} from './access-request.errors';
import { AccessRequestRepository, ListFilter } from './access-request.repository';
import { AccessRequestService } from './access-request.service';
import {
  AccessRequestSubmission,
  HttpRequestBody,
  httpSubmission,
  ticketingSubmission,
} from './access-request.submission';
import { RequestView } from './request-view';

const NOW = new Date('2026-12-03T10:00:00.000Z');

const POLICIES = parsePolicySet(
  `
version: 1
defaults: { maxDuration: PT12H, decisionTimeout: PT24H, maxStartDelay: P7D }
policies:
  - id: orders-prod
    resources: ['db:orders-prod']
    roles:
      read-only:
        requesters: { groups: [engineering] }
        approvers: { groups: [dba] }
        approvalsRequired: 1
        maxDuration: PT4H
`,
  'service-test.yaml',
);

class InMemoryRequests {
  readonly views = new Map<string, RequestView>();

  async insert(_manager: EntityManager, view: RequestView): Promise<boolean> {
    if (this.views.has(view.requestId)) return false;
    this.views.set(view.requestId, view);
    return true;
  }

  async findById(requestId: string): Promise<RequestView | null> {
    return this.views.get(requestId) ?? null;
  }

  async list(filter: ListFilter): Promise<RequestView[]> {
    return [...this.views.values()]
      .filter((view) => view.requester.id === filter.requesterId)
      .filter((view) => filter.status === null || view.status === filter.status)
      .slice(0, filter.limit);
  }
}

class RecordingOutbox {
  readonly emitted: DomainEvent[] = [];
  private readonly claimed = new Set<string>();

  async transaction<R>(work: (manager: EntityManager, emit: Emit) => Promise<R>): Promise<R> {
    const pending: DomainEvent[] = [];
    const result = await work({} as EntityManager, async (events) => {
      pending.push(...events);
    });
    this.emitted.push(...pending);
    return result;
  }

  async handleOnce(
    consumer: string,
    eventId: string,
    work: (manager: EntityManager, emit: Emit) => Promise<void>,
  ): Promise<boolean> {
    const key = `${consumer}:${eventId}`;
    if (this.claimed.has(key)) return false;
    this.claimed.add(key);
    await this.transaction(work);
    return true;
  }
}

const requester: Principal = { id: 'u-101', groups: ['engineering'] };

function aBody(overrides: Partial<HttpRequestBody> = {}): HttpRequestBody {
  return {
    resource: 'db:orders-prod',
    role: 'read-only',
    duration: 'PT90M',
    justification: 'Investigate the failed reconciliation',
    ticket: 'INC-4821',
    ...overrides,
  };
}

function anHttpSubmission(
  overrides: Partial<HttpRequestBody> = {},
  idempotencyKey: string | null = null,
): AccessRequestSubmission {
  return httpSubmission(aBody(overrides), requester, { idempotencyKey, correlationId: null });
}

function setUp() {
  const repository = new InMemoryRequests();
  const outbox = new RecordingOutbox();
  const service = new AccessRequestService(
    POLICIES,
    new ManualClock(NOW),
    outbox as unknown as TransactionalOutbox,
    repository as unknown as AccessRequestRepository,
  );
  return { service, repository, outbox };
}

describe(AccessRequestService.name, () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('stores a submitted request and emits AccessRequested with the duration as written', async () => {
    const { service, repository, outbox } = setUp();
    const submission = anHttpSubmission();

    const result = await service.submit(submission);

    expect(result.outcome).toBe('submitted');
    expect(result.view).toMatchObject({ status: 'submitted', duration: 'PT90M', requester });
    expect(repository.views.get(submission.requestId)).toEqual(result.view);
    expect(outbox.emitted).toEqual([
      expect.objectContaining({
        type: 'AccessRequested',
        source: 'requests',
        partitionKey: submission.requestId,
        correlationId: submission.requestId,
        causationId: null,
        time: NOW.toISOString(),
        data: expect.objectContaining({
          requestId: submission.requestId,
          duration: 'PT90M',
          channel: 'http',
          submittedAt: NOW.toISOString(),
        }),
      }),
    ]);
  });

  it('stores a refused request and emits AccessRequestRefused naming the maximum', async () => {
    const { service, repository, outbox } = setUp();
    const submission = anHttpSubmission({ duration: 'PT5H' });

    const result = await service.submit(submission);

    expect(result.outcome).toBe('refused');
    expect(repository.views.get(submission.requestId)).toMatchObject({
      status: 'refused',
      refusal: { reason: 'duration-exceeds-maximum', maximumDuration: 'PT4H' },
    });
    expect(outbox.emitted).toEqual([
      expect.objectContaining({
        type: 'AccessRequestRefused',
        data: expect.objectContaining({ duration: 'PT5H', maximumDuration: 'PT4H' }),
      }),
    ]);
  });

  it('refuses an invalid duration without storing or emitting anything', async () => {
    const { service, repository, outbox } = setUp();

    await expect(service.submit(anHttpSubmission({ duration: '1h30m' }))).rejects.toBeInstanceOf(
      InvalidDurationError,
    );

    expect(repository.views.size).toBe(0);
    expect(outbox.emitted).toEqual([]);
  });

  it('returns the stored request for a retry with the same idempotency key', async () => {
    const { service, outbox } = setUp();
    const first = await service.submit(anHttpSubmission({}, 'key-1'));

    const retry = await service.submit(anHttpSubmission({}, 'key-1'));

    expect(retry).toEqual({ outcome: 'replayed', view: first.view });
    expect(outbox.emitted).toHaveLength(1);
  });

  it('refuses an idempotency key reused for a different request', async () => {
    const { service } = setUp();
    await service.submit(anHttpSubmission({}, 'key-1'));

    const reuse = service.submit(anHttpSubmission({ duration: 'PT2H' }, 'key-1'));

    await expect(reuse).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
  });

  it('files a ticketing message once however often it is delivered', async () => {
    const { service, repository, outbox } = setUp();
    const message = {
      eventId: '0d9b3c8e-2f4a-4b6c-9d1e-3f5a7b9c1d2e',
      schemaVersion: 1 as const,
      ticket: 'CHG-77',
      requester,
      resource: 'db:orders-prod',
      role: 'read-only',
      duration: 'PT1H',
      justification: 'Planned maintenance',
      submittedAt: '2026-12-03T09:59:00Z',
    };
    const deduplication = { consumer: 'ticketing', eventId: message.eventId };

    const first = await service.submit(ticketingSubmission(message), deduplication);
    const second = await service.submit(ticketingSubmission(message), deduplication);

    expect(first.outcome).toBe('submitted');
    expect(second.outcome).toBe('replayed');
    expect(repository.views.size).toBe(1);
    expect(outbox.emitted).toEqual([
      expect.objectContaining({
        type: 'AccessRequested',
        causationId: message.eventId,
        data: expect.objectContaining({
          channel: 'ticketing',
          ticket: 'CHG-77',
          submittedAt: '2026-12-03T09:59:00.000Z',
        }),
      }),
    ]);
  });

  it("lists only the caller's own requests", async () => {
    const { service } = setUp();
    await service.submit(anHttpSubmission());
    await service.submit(
      httpSubmission(
        aBody(),
        { id: 'u-999', groups: ['engineering'] },
        {
          idempotencyKey: null,
          correlationId: null,
        },
      ),
    );

    const own = await service.listOwn(requester, null);

    expect(own.map((view) => view.requester.id)).toEqual(['u-101']);
  });

  it('reports an unknown request as not found', async () => {
    const { service } = setUp();

    await expect(service.get('5d6f2b1a-0c3e-4f5a-8b7c-9d0e1f2a3b4c')).rejects.toBeInstanceOf(
      AccessRequestNotFoundError,
    );
  });
});
