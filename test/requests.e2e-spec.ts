import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEvent, EventPayloads, EventType, Principal } from '@app/contracts';
import { ACCEPTED_DURATION_FORM, ManualClock } from '@app/domain';
import { TopicNames } from '@app/platform';
import { loadRequestsConfig } from '../apps/requests/src/requests.config';
import { RequestsModule } from '../apps/requests/src/requests.module';
import { RunningService, startService } from './support/service-app';
import {
  createTestNamespace,
  testBrokers,
  TestNamespace,
  withDatabase,
} from './support/test-namespace';
import { testAuth, tokenFor } from './support/tokens';
import { TopicProbe } from './support/topic-probe';
import { sleep, waitFor } from './support/wait-for';

type Envelope = {
  id: string;
  type: string;
  source: string;
  partitionKey: string;
  correlationId: string;
  causationId: string | null;
  data: Record<string, any>;
};

const POLICY_FILE = `
version: 1
defaults:
  maxDuration: PT12H
  decisionTimeout: PT24H
  maxStartDelay: P7D
policies:
  - id: orders-prod
    resources: ['db:orders-prod']
    roles:
      read-only:
        requesters: { groups: [engineering] }
        approvers: { groups: [dba] }
        approvalsRequired: 1
        maxDuration: PT4H
`;

const NOW = new Date('2026-12-03T10:00:00.000Z');
const engineer: Principal = { id: 'u-105', groups: ['engineering'] };

function aRequestBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    resource: 'db:orders-prod',
    role: 'read-only',
    duration: 'PT90M',
    justification: 'Investigate the failed nightly reconciliation',
    ticket: 'INC-4821',
    ...overrides,
  };
}

function aTicketingMessage(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    eventId: randomUUID(),
    schemaVersion: 1,
    ticket: `CHG-${Math.floor(Math.random() * 100000)}`,
    requester: { id: 'u-310', groups: ['engineering'] },
    resource: 'db:orders-prod',
    role: 'read-only',
    duration: 'PT2H',
    justification: 'Planned index rebuild',
    startAt: null,
    submittedAt: '2026-12-03T09:58:00Z',
    ...overrides,
  };
}

function anEvent<K extends EventType>(
  type: K,
  data: EventPayloads[K] & { requestId: string },
  minutesLater = 1,
) {
  return createEvent(type, data, {
    source: 'approvals',
    time: new Date(NOW.getTime() + minutesLater * 60_000),
    partitionKey: data.requestId,
    correlationId: data.requestId,
    causationId: null,
  });
}

describe('the requests service', () => {
  const clock = new ManualClock(NOW);
  let namespace: TestNamespace;
  let policyDir: string;
  let service: RunningService;
  let topics: TopicNames;
  let probe: TopicProbe;
  let engineerToken: string;

  beforeAll(async () => {
    namespace = createTestNamespace('requests');
    policyDir = mkdtempSync(join(tmpdir(), 'requests-e2e-'));
    const policyFile = join(policyDir, 'access-policies.yaml');
    writeFileSync(policyFile, POLICY_FILE);

    const config = loadRequestsConfig({
      DATABASE_URL: namespace.databaseUrl,
      KAFKA_BROKERS: testBrokers.join(','),
      KAFKA_TOPIC_PREFIX: namespace.prefix,
      JWT_SECRET: testAuth.jwtSecret,
      JWT_ISSUER: testAuth.issuer,
      JWT_AUDIENCE: testAuth.audience,
      LOG_LEVEL: 'warn',
      POLICY_FILE: policyFile,
    });
    service = await startService(RequestsModule.forRoot(config, { clock }), 'requests');
    topics = new TopicNames(namespace.prefix);
    probe = new TopicProbe();
    await probe.watch([topics.accessEvents, topics.deadLetters, topics.ticketingRequests]);
    engineerToken = await tokenFor(engineer.id, engineer.groups);
  });

  afterAll(async () => {
    await service?.close();
    await probe?.close();
    await namespace?.drop();
    if (policyDir) rmSync(policyDir, { recursive: true, force: true });
  });

  async function call(
    method: string,
    path: string,
    options: { body?: unknown; token?: string | null; headers?: Record<string, string> } = {},
  ): Promise<{ status: number; body: any }> {
    const token = options.token === undefined ? engineerToken : options.token;
    const response = await fetch(`${service.url}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        ...options.headers,
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  const fileRequest = (body: unknown, headers: Record<string, string> = {}) =>
    call('POST', '/access-requests', { body, headers });

  const eventsFor = (requestId: string, type: string) =>
    probe.where<Envelope>(
      topics.accessEvents,
      (event) => event.partitionKey === requestId && event.type === type,
    );

  const waitForEvent = async (requestId: string, type: string) => {
    const [event] = await probe.waitForCount<Envelope>(
      topics.accessEvents,
      (candidate) => candidate.partitionKey === requestId && candidate.type === type,
      1,
    );
    return event!;
  };

  const storedRequests = (requestId: string) =>
    withDatabase(namespace.databaseUrl, async (client) => {
      const result = await client.query(
        'SELECT status, duration, channel FROM requests.access_requests WHERE request_id = $1',
        [requestId],
      );
      return result.rows;
    });

  const waitForStatus = (requestId: string, status: string) =>
    waitFor(`request ${requestId} to be ${status}`, async () => {
      const view = await call('GET', `/access-requests/${requestId}`);
      return view.body?.status === status ? view.body : undefined;
    });

  const publishTicketing = (records: (string | Record<string, unknown>)[], key: string) =>
    probe.publish(
      topics.ticketingRequests,
      records.map((record) => ({
        key,
        value: typeof record === 'string' ? record : JSON.stringify(record),
      })),
    );

  describe('POST /access-requests', () => {
    it('files the request and emits AccessRequested with the duration exactly as written', async () => {
      const response = await fileRequest(aRequestBody({ duration: 'PT90M' }));

      expect(response.status).toBe(202);
      expect(response.body).toMatchObject({
        status: 'submitted',
        requester: engineer,
        resource: 'db:orders-prod',
        role: 'read-only',
        duration: 'PT90M',
        ticket: 'INC-4821',
        channel: 'http',
        submittedAt: NOW.toISOString(),
      });
      const requestId: string = response.body.requestId;
      const event = await waitForEvent(requestId, 'AccessRequested');
      expect(event).toMatchObject({
        source: 'requests',
        partitionKey: requestId,
        correlationId: requestId,
        data: { requestId, duration: 'PT90M', channel: 'http', requester: engineer },
      });
      expect(await storedRequests(requestId)).toEqual([
        { status: 'submitted', duration: 'PT90M', channel: 'http' },
      ]);
    });

    it('carries an incoming correlation id on the event', async () => {
      const response = await fileRequest(aRequestBody(), { 'X-Correlation-Id': 'corr-e2e-1' });

      const event = await waitForEvent(response.body.requestId, 'AccessRequested');
      expect(event.correlationId).toBe('corr-e2e-1');
      expect(event.partitionKey).toBe(response.body.requestId);
    });

    it.each(['1h30m', '90', '1d', '-PT1H', 'PT0S', 'PT0.5S'])(
      'refuses the duration %s with a reason showing the accepted form',
      async (duration) => {
        const response = await fileRequest(aRequestBody({ duration }));

        expect(response.status).toBe(400);
        expect(response.body).toEqual({
          error: 'validation-failed',
          message: expect.any(String),
          problems: [
            { field: 'duration', reason: expect.stringContaining(ACCEPTED_DURATION_FORM) },
          ],
        });
      },
    );

    it('never reads a bare number as minutes', async () => {
      const response = await fileRequest(aRequestBody({ duration: '90' }));

      expect(response.body.problems[0].reason).toContain('not read as minutes');
    });

    it('refuses P9999D with 422 naming the maximum, stores it refused and emits the refusal', async () => {
      const response = await fileRequest(aRequestBody({ duration: 'P9999D' }));

      expect(response.status).toBe(422);
      expect(response.body).toEqual({
        error: 'duration-exceeds-maximum',
        message: 'requested P9999D exceeds the maximum PT4H for read-only on db:orders-prod',
        maximumDuration: 'PT4H',
        policyId: 'orders-prod',
        requestId: expect.any(String),
      });
      const requestId: string = response.body.requestId;
      const refused = await waitForEvent(requestId, 'AccessRequestRefused');
      expect(refused.data).toMatchObject({
        duration: 'P9999D',
        reason: 'duration-exceeds-maximum',
        maximumDuration: 'PT4H',
        requester: engineer,
      });
      expect(await storedRequests(requestId)).toEqual([
        { status: 'refused', duration: 'P9999D', channel: 'http' },
      ]);
      expect(eventsFor(requestId, 'AccessRequested')).toEqual([]);
    });

    it('refuses a caller without a token', async () => {
      const post = await call('POST', '/access-requests', { body: aRequestBody(), token: null });
      const get = await call('GET', `/access-requests/${randomUUID()}`, { token: null });

      expect(post.status).toBe(401);
      expect(get.status).toBe(401);
    });

    it('answers 415 to a body that is not JSON, and names a missing field as required', async () => {
      const formEncoded = await call('POST', '/access-requests', {
        body: aRequestBody(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      const { resource: _omitted, ...withoutResource } = aRequestBody();
      const missing = await fileRequest(withoutResource);

      expect(formEncoded.status).toBe(415);
      expect(formEncoded.body.error).toBe('unsupported-media-type');
      expect(missing.status).toBe(400);
      expect(missing.body.problems).toContainEqual({ field: 'resource', reason: 'is required' });
    });

    it('takes the requester from the token and refuses a requester in the body', async () => {
      const response = await fileRequest(
        aRequestBody({ requester: { id: 'u-999', groups: ['dba'] } }),
      );

      expect(response.status).toBe(400);
      expect(response.body.error).toBe('validation-failed');
      expect(JSON.stringify(response.body.problems)).toContain('requester');
    });

    it('refuses a start that is not an ISO-8601 UTC instant', async () => {
      const response = await fileRequest(aRequestBody({ startAt: 'tomorrow at nine' }));

      expect(response.status).toBe(400);
      expect(response.body.problems).toEqual([
        { field: 'startAt', reason: 'must be an ISO-8601 UTC instant' },
      ]);
    });

    it('files one request for a POST retried with the same Idempotency-Key', async () => {
      const key = `retry-${randomUUID()}`;

      const first = await fileRequest(aRequestBody(), { 'Idempotency-Key': key });
      const retry = await fileRequest(aRequestBody(), { 'Idempotency-Key': key });
      const reused = await fileRequest(aRequestBody({ duration: 'PT2H' }), {
        'Idempotency-Key': key,
      });

      expect(first.status).toBe(202);
      expect(retry.status).toBe(200);
      expect(retry.body).toEqual(first.body);
      expect(reused.status).toBe(409);
      expect(reused.body).toMatchObject({
        error: 'idempotency-key-reused',
        differences: ['duration'],
      });
      const requestId: string = first.body.requestId;
      await waitForEvent(requestId, 'AccessRequested');
      const sentinel = await fileRequest(aRequestBody());
      await waitForEvent(sentinel.body.requestId, 'AccessRequested');
      expect(eventsFor(requestId, 'AccessRequested')).toHaveLength(1);
      expect(await storedRequests(requestId)).toHaveLength(1);
    });
  });

  describe('GET /access-requests', () => {
    it('answers 404 for an unknown request and 400 for an id that is not a UUID', async () => {
      const unknown = await call('GET', `/access-requests/${randomUUID()}`);
      const malformed = await call('GET', '/access-requests/not-a-uuid');

      expect(unknown.status).toBe(404);
      expect(unknown.body.error).toBe('request-not-found');
      expect(malformed.status).toBe(400);
      expect(malformed.body.problems).toEqual([{ field: 'id', reason: expect.any(String) }]);
    });

    it("lists the caller's own requests, filtered by status", async () => {
      const mine = await fileRequest(aRequestBody());
      const otherToken = await tokenFor('u-106', ['engineering']);
      const theirs = await call('POST', '/access-requests', {
        body: aRequestBody(),
        token: otherToken,
      });

      const listed = await call('GET', '/access-requests?requester=me&status=submitted');
      const refusedOnly = await call('GET', '/access-requests?status=refused');

      expect(listed.status).toBe(200);
      const ids = listed.body.items.map((item: { requestId: string }) => item.requestId);
      expect(ids).toContain(mine.body.requestId);
      expect(ids).not.toContain(theirs.body.requestId);
      expect(
        listed.body.items.every(
          (item: { requester: Principal }) => item.requester.id === engineer.id,
        ),
      ).toBe(true);
      expect(
        refusedOnly.body.items.every((item: { status: string }) => item.status === 'refused'),
      ).toBe(true);
    });

    it('reflects ApprovalRequested and GrantIssued, and a late RequestApproved keeps it granted', async () => {
      const created = await fileRequest(aRequestBody());
      const requestId: string = created.body.requestId;
      const publish = (event: ReturnType<typeof anEvent>) =>
        probe.publish(topics.accessEvents, [{ key: requestId, value: JSON.stringify(event) }]);

      await publish(
        anEvent('ApprovalRequested', {
          requestId,
          requester: engineer,
          resource: 'db:orders-prod',
          role: 'read-only',
          duration: 'PT90M',
          justification: 'Investigate the failed nightly reconciliation',
          ticket: 'INC-4821',
          approverGroups: ['dba'],
          approvalsRequired: 1,
          decideBy: '2026-12-04T10:00:00.000Z',
          policyId: 'orders-prod',
        }),
      );
      const pending = await waitForStatus(requestId, 'pending-approval');
      expect(pending.approval).toEqual({
        approverGroups: ['dba'],
        approvalsRequired: 1,
        decideBy: '2026-12-04T10:00:00.000Z',
        policyId: 'orders-prod',
      });

      await publish(
        anEvent(
          'GrantIssued',
          {
            grantId: randomUUID(),
            requestId,
            subject: engineer.id,
            resource: 'db:orders-prod',
            role: 'read-only',
            startsAt: '2026-12-03T10:05:00.000Z',
            endsAt: '2026-12-03T11:35:00.000Z',
            duration: 'PT1H30M',
            requestedDuration: 'PT90M',
            capped: false,
            approvers: ['u-202'],
            automatic: false,
            policyId: 'orders-prod',
          },
          5,
        ),
      );
      const granted = await waitForStatus(requestId, 'granted');
      expect(granted.grant).toMatchObject({
        startsAt: '2026-12-03T10:05:00.000Z',
        endsAt: '2026-12-03T11:35:00.000Z',
        duration: 'PT1H30M',
        capped: false,
      });
      expect(granted.duration).toBe('PT90M');

      await publish(
        anEvent(
          'RequestApproved',
          {
            requestId,
            approvers: ['u-202'],
            automatic: false,
            policyId: 'orders-prod',
            approvedAt: '2026-12-03T10:04:00.000Z',
          },
          6,
        ),
      );
      const afterLateApproval = await waitFor('the late approval to be recorded', async () => {
        const view = await call('GET', `/access-requests/${requestId}`);
        return view.body.decision ? view.body : undefined;
      });
      expect(afterLateApproval.status).toBe('granted');
    });

    it('shows a refusal by the approvals service', async () => {
      const created = await fileRequest(aRequestBody());
      const requestId: string = created.body.requestId;

      await probe.publish(topics.accessEvents, [
        {
          key: requestId,
          value: JSON.stringify(
            anEvent('AccessRequestRefused', {
              requestId,
              requester: engineer,
              resource: 'db:orders-prod',
              role: 'read-only',
              duration: 'PT90M',
              reason: 'not-eligible',
              message: 'u-105 may no longer request read-only on db:orders-prod',
              maximumDuration: null,
              policyId: 'orders-prod',
            }),
          ),
        },
      ]);

      const refused = await waitForStatus(requestId, 'refused');
      expect(refused.refusal).toMatchObject({ reason: 'not-eligible', refusedBy: 'approvals' });
    });
  });

  describe('the ticketing topic', () => {
    it('files a ticketing request as AccessRequested on the ticketing channel', async () => {
      const message = aTicketingMessage();

      await publishTicketing([message], String(message.eventId));

      const [event] = await probe.waitForCount<Envelope>(
        topics.accessEvents,
        (candidate) =>
          candidate.type === 'AccessRequested' && candidate.causationId === message.eventId,
        1,
      );
      expect(event!.data).toMatchObject({
        channel: 'ticketing',
        ticket: message.ticket,
        requester: message.requester,
        duration: 'PT2H',
        submittedAt: '2026-12-03T09:58:00.000Z',
      });
      const view = await call('GET', `/access-requests/${event!.data.requestId}`);
      expect(view.body).toMatchObject({ status: 'submitted', channel: 'ticketing' });
    });

    it('files the same ticketing message delivered twice once', async () => {
      const message = aTicketingMessage();
      const sentinel = aTicketingMessage();
      const key = `ticket-${randomUUID()}`;

      await publishTicketing([message, message, sentinel], key);

      await probe.waitForCount<Envelope>(
        topics.accessEvents,
        (candidate) => candidate.causationId === sentinel.eventId,
        1,
      );
      const [event] = await probe.waitForCount<Envelope>(
        topics.accessEvents,
        (candidate) => candidate.causationId === message.eventId,
        1,
      );
      await sleep(500);
      expect(eventsFor(event!.partitionKey, 'AccessRequested')).toHaveLength(1);
      expect(await storedRequests(event!.partitionKey)).toHaveLength(1);
    });

    it('dead-letters bad records with the reason and where they came from, and goes on', async () => {
      const key = `poison-${randomUUID()}`;
      const schemaViolation = aTicketingMessage({ requester: undefined, duration: 7 });
      const badDuration = aTicketingMessage({ duration: '1h30m' });
      const valid = aTicketingMessage();

      await publishTicketing(['{not json', schemaViolation, badDuration, valid], key);

      await probe.waitForCount<Envelope>(
        topics.accessEvents,
        (candidate) =>
          candidate.type === 'AccessRequested' && candidate.causationId === valid.eventId,
        1,
      );
      const deadLetters = await probe.waitForCount<Envelope>(
        topics.deadLetters,
        (candidate) => candidate.data.key === key,
        3,
      );
      const published = await waitFor('the published records', () => {
        const records = probe.on(topics.ticketingRequests).filter((record) => record.key === key);
        return records.length === 4 ? records : undefined;
      });
      expect(deadLetters.map((letter) => letter.data)).toEqual([
        expect.objectContaining({
          reason: 'invalid-json',
          sourceTopic: topics.ticketingRequests,
          partition: published[0]!.partition,
          offset: published[0]!.offset,
          value: '{not json',
          consumerGroup: topics.consumerGroup('jit-requests-ticketing'),
        }),
        expect.objectContaining({
          reason: 'schema-violation',
          sourceTopic: topics.ticketingRequests,
          partition: published[1]!.partition,
          offset: published[1]!.offset,
          error: expect.stringContaining('requester'),
        }),
        expect.objectContaining({
          reason: 'unprocessable',
          sourceTopic: topics.ticketingRequests,
          partition: published[2]!.partition,
          offset: published[2]!.offset,
          error: expect.stringContaining(ACCEPTED_DURATION_FORM),
        }),
      ]);
    });
  });
});
