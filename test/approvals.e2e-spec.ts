import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEvent, EventEnvelope, EventPayloads, EventType } from '@app/contracts';
import { ManualClock } from '@app/domain';
import { TopicNames } from '@app/platform';
import { loadApprovalsConfig } from '../apps/approvals/src/approvals.config';
import { ApprovalsModule } from '../apps/approvals/src/approvals.module';
import { RunningService, startService } from './support/service-app';
import { createTestNamespace, testBrokers, withDatabase } from './support/test-namespace';
import { testAuth, tokenFor } from './support/tokens';
import { TopicProbe } from './support/topic-probe';
import { sleep, waitFor } from './support/wait-for';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
// Long enough for the relay and the probe to have passed on anything a handled event caused.
const SETTLE_MS = 1500;

const POLICY_YAML = `
version: 1
defaults:
  maxDuration: PT12H
  decisionTimeout: PT24H
  maxStartDelay: P7D
policies:
  - id: orders
    resources: ['db:orders-*']
    roles:
      read-only:
        requesters: { groups: [engineering, sre, dba] }
        approvers: { groups: [dba] }
        approvalsRequired: 1
        autoApprove:
          - name: sre-short-read
            requesterGroups: [sre]
            maxDuration: PT1H
      db-admin:
        requesters: { groups: [sre, dba] }
        approvers: { groups: [sre] }
        approvalsRequired: 2
        maxDuration: PT2H
      reporting:
        requesters: { groups: [engineering] }
        approvers: { groups: [dba] }
        approvalsRequired: 1
        maxDuration: PT4H
        overMaximum: cap
`;

type User = { id: string; groups: string[] };
type Envelope<K extends EventType = EventType> = EventEnvelope<K>;

const engineer: User = { id: 'u-101', groups: ['engineering'] };
const sreRequester: User = { id: 'u-150', groups: ['sre'] };
const dbaOne: User = { id: 'u-202', groups: ['dba'] };
const dbaTwo: User = { id: 'u-203', groups: ['dba'] };

describe(ApprovalsModule.name, () => {
  const namespace = createTestNamespace('approvals');
  const topics = new TopicNames(namespace.prefix);
  const clock = new ManualClock(new Date('2026-12-07T09:00:00.000Z'));
  const probe = new TopicProbe();
  const policyDir = mkdtempSync(join(tmpdir(), 'jit-approvals-'));
  let service: RunningService;

  beforeAll(async () => {
    const policyFile = join(policyDir, 'access-policies.yaml');
    writeFileSync(policyFile, POLICY_YAML);
    const config = loadApprovalsConfig({
      DATABASE_URL: namespace.databaseUrl,
      DATABASE_POOL_SIZE: '10',
      KAFKA_BROKERS: testBrokers.join(','),
      KAFKA_TOPIC_PREFIX: namespace.prefix,
      LOG_LEVEL: 'warn',
      JWT_SECRET: testAuth.jwtSecret,
      JWT_ISSUER: testAuth.issuer,
      JWT_AUDIENCE: testAuth.audience,
      POLICY_FILE: policyFile,
    });
    service = await startService(ApprovalsModule.forRoot(config, { clock }), 'approvals');
    await probe.watch([topics.accessEvents, topics.deadLetters]);
  });

  afterAll(async () => {
    await probe.close();
    await service?.close();
    await namespace.drop();
    rmSync(policyDir, { recursive: true, force: true });
  });

  // --- builders and helpers -------------------------------------------------------------------

  function anAccessRequest(
    requester: User,
    overrides: Partial<EventPayloads['AccessRequested']> = {},
  ): Envelope<'AccessRequested'> {
    const requestId = randomUUID();
    const now = clock.now();
    return createEvent(
      'AccessRequested',
      {
        requestId,
        requester,
        resource: 'db:orders-prod',
        role: 'read-only',
        duration: 'PT1H',
        justification: 'investigate a slow query',
        ticket: null,
        startAt: null,
        channel: 'http',
        submittedAt: now.toISOString(),
        ...overrides,
      },
      {
        source: 'requests',
        time: now,
        partitionKey: requestId,
        correlationId: randomUUID(),
        causationId: null,
      },
    );
  }

  function aDeadline(request: Envelope<'AccessRequested'>): Envelope<'RequestDeadlinePassed'> {
    const requestId = request.data.requestId;
    return createEvent(
      'RequestDeadlinePassed',
      { requestId, decideBy: clock.now().toISOString() },
      {
        source: 'expiry',
        time: clock.now(),
        partitionKey: requestId,
        correlationId: request.correlationId,
        causationId: null,
      },
    );
  }

  async function publish(...events: Envelope[]): Promise<void> {
    await probe.publish(
      topics.accessEvents,
      events.map((event) => ({ key: event.partitionKey, value: JSON.stringify(event) })),
    );
  }

  /** Publishes the request and waits until the service has sent it to its approvers. */
  async function pendingRequest(
    requester: User,
    overrides: Partial<EventPayloads['AccessRequested']> = {},
  ): Promise<string> {
    const request = anAccessRequest(requester, overrides);
    await publish(request);
    await waitForEvent(request.data.requestId, 'ApprovalRequested');
    return request.data.requestId;
  }

  function eventsOf<K extends EventType>(requestId: string, type: K): Envelope<K>[] {
    return probe.where<Envelope<K>>(
      topics.accessEvents,
      (event) => event.type === type && event.partitionKey === requestId,
    );
  }

  async function waitForEvent<K extends EventType>(
    requestId: string,
    type: K,
    count = 1,
  ): Promise<Envelope<K>[]> {
    return probe.waitForCount<Envelope<K>>(
      topics.accessEvents,
      (event) => event.type === type && event.partitionKey === requestId,
      count,
    );
  }

  async function decide(
    user: User | string,
    requestId: string,
    decision: 'approve' | 'deny',
    body: unknown = {},
  ): Promise<{ status: number; body: Record<string, any> }> {
    const token = typeof user === 'string' ? user : await tokenFor(user.id, user.groups);
    const response = await fetch(`${service.url}/access-requests/${requestId}/${decision}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  }

  async function approvalState(requestId: string, user: User = dbaOne) {
    const response = await fetch(`${service.url}/access-requests/${requestId}/approval`, {
      headers: { authorization: `Bearer ${await tokenFor(user.id, user.groups)}` },
    });
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  }

  async function storedRequest(requestId: string) {
    return withDatabase(namespace.databaseUrl, async (client) => {
      const request = await client.query(
        'SELECT status, resolved_by FROM approvals.approval_requests WHERE request_id = $1',
        [requestId],
      );
      const approvals = await client.query(
        'SELECT approver_id FROM approvals.approvals WHERE request_id = $1 ORDER BY seq',
        [requestId],
      );
      const decisions = await client.query(
        'SELECT outcome, decided_by FROM approvals.decisions WHERE request_id = $1',
        [requestId],
      );
      return {
        status: request.rows[0]?.status as string | undefined,
        approvers: approvals.rows.map((row) => row.approver_id as string),
        decisions: decisions.rows as { outcome: string; decided_by: string | null }[],
      };
    });
  }

  async function waitUntilHandled(eventId: string): Promise<void> {
    await waitFor(`event ${eventId} to be handled`, () =>
      withDatabase(namespace.databaseUrl, async (client) => {
        const result = await client.query(
          'SELECT 1 FROM approvals.processed_events WHERE event_id = $1',
          [eventId],
        );
        return (result.rowCount ?? 0) > 0;
      }),
    );
  }

  function lengthOf(grant: EventPayloads['GrantIssued']): number {
    return Date.parse(grant.endsAt) - Date.parse(grant.startsAt);
  }

  // --- behaviour ------------------------------------------------------------------------------

  it('approves automatically when a rule allows it, for exactly the requested duration', async () => {
    const request = anAccessRequest(sreRequester, { duration: 'PT45M' });
    await publish(request);
    const requestId = request.data.requestId;

    const [approved] = await waitForEvent(requestId, 'RequestApproved');
    const [issued] = await waitForEvent(requestId, 'GrantIssued');

    expect(approved!.data).toMatchObject({ automatic: true, approvers: [], policyId: 'orders' });
    expect(approved!).toMatchObject({
      source: 'approvals',
      partitionKey: requestId,
      correlationId: request.correlationId,
      causationId: request.id,
    });
    expect(issued!.data).toMatchObject({
      subject: sreRequester.id,
      startsAt: clock.now().toISOString(),
      duration: 'PT45M',
      requestedDuration: 'PT45M',
      capped: false,
      automatic: true,
    });
    expect(lengthOf(issued!.data)).toBe(45 * MINUTE_MS);
    expect(eventsOf(requestId, 'ApprovalRequested')).toHaveLength(0);
    expect(await storedRequest(requestId)).toMatchObject({
      status: 'approved',
      decisions: [{ outcome: 'approved', decided_by: null }],
    });
  });

  it('issues a grant from the moment one dba approves, ending exactly one hour later', async () => {
    const requestId = await pendingRequest(engineer, { duration: 'PT1H' });
    const [asked] = eventsOf(requestId, 'ApprovalRequested');
    expect(asked!.data).toMatchObject({
      approverGroups: ['dba'],
      approvalsRequired: 1,
      decideBy: new Date(clock.now().getTime() + 24 * HOUR_MS).toISOString(),
    });

    clock.advance(10 * MINUTE_MS);
    const approvedAt = clock.now();
    const response = await decide(dbaOne, requestId, 'approve', { comment: 'looks fine' });

    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      requestId,
      status: 'approved',
      approvalsRequired: 1,
      approvals: [{ approver: dbaOne.id, comment: 'looks fine' }],
      grant: {
        startsAt: approvedAt.toISOString(),
        endsAt: new Date(approvedAt.getTime() + HOUR_MS).toISOString(),
      },
    });
    const [recorded] = await waitForEvent(requestId, 'ApprovalRecorded');
    const [approved] = await waitForEvent(requestId, 'RequestApproved');
    const [issued] = await waitForEvent(requestId, 'GrantIssued');
    expect(recorded!.data).toMatchObject({ approver: dbaOne.id, approvalsCount: 1 });
    expect(approved!.data).toMatchObject({ automatic: false, approvers: [dbaOne.id] });
    expect(issued!.data).toMatchObject({
      grantId: response.body.grant.grantId,
      startsAt: approvedAt.toISOString(),
      endsAt: new Date(approvedAt.getTime() + HOUR_MS).toISOString(),
      duration: 'PT1H',
      requestedDuration: 'PT1H',
      capped: false,
      approvers: [dbaOne.id],
    });
    expect((await approvalState(requestId)).body).toEqual(response.body);
  });

  it('refuses an approval by the requester even when they are in an approver group', async () => {
    const dbaRequester: User = { id: 'u-110', groups: ['dba', 'engineering'] };
    const requestId = await pendingRequest(dbaRequester);

    const approval = await decide(dbaRequester, requestId, 'approve');
    const denial = await decide(dbaRequester, requestId, 'deny');

    expect(approval).toMatchObject({ status: 403, body: { error: 'self-approval', requestId } });
    expect(denial).toMatchObject({ status: 403, body: { error: 'self-approval' } });
    await sleep(SETTLE_MS);
    expect(await storedRequest(requestId)).toEqual({
      status: 'pending',
      approvers: [],
      decisions: [],
    });
    expect(eventsOf(requestId, 'ApprovalRecorded')).toHaveLength(0);
    expect((await approvalState(requestId)).body).toMatchObject({
      status: 'pending',
      approvals: [],
    });
  });

  it('counts only approvers other than the requester towards a quorum of two', async () => {
    const requester: User = { id: 'u-301', groups: ['sre'] };
    const sreTwo: User = { id: 'u-302', groups: ['sre'] };
    const sreThree: User = { id: 'u-303', groups: ['sre'] };
    const requestId = await pendingRequest(requester, { role: 'db-admin', duration: 'PT30M' });

    const byRequester = await decide(requester, requestId, 'approve');
    const byOutsider = await decide(dbaOne, requestId, 'approve');
    const first = await decide(sreTwo, requestId, 'approve');
    const again = await decide(sreTwo, requestId, 'approve');
    const second = await decide(sreThree, requestId, 'approve');

    expect(byRequester).toMatchObject({ status: 403, body: { error: 'self-approval' } });
    expect(byOutsider).toMatchObject({ status: 403, body: { error: 'not-an-approver' } });
    expect(first).toMatchObject({ status: 200, body: { status: 'pending', approvalsRequired: 2 } });
    expect(first.body.grant).toBeUndefined();
    expect(again).toMatchObject({ status: 409, body: { error: 'already-approved-by-you' } });
    expect(second).toMatchObject({ status: 200, body: { status: 'approved' } });
    const [approved] = await waitForEvent(requestId, 'RequestApproved');
    const [issued] = await waitForEvent(requestId, 'GrantIssued');
    expect(approved!.data.approvers).toEqual([sreTwo.id, sreThree.id]);
    expect(issued!.data.approvers).toEqual([sreTwo.id, sreThree.id]);
    expect(eventsOf(requestId, 'ApprovalRecorded').map((event) => event.data.approver)).toEqual([
      sreTwo.id,
      sreThree.id,
    ]);
    expect(await storedRequest(requestId)).toMatchObject({
      status: 'approved',
      approvers: [sreTwo.id, sreThree.id],
      decisions: [{ outcome: 'approved', decided_by: sreThree.id }],
    });
  });

  it('resolves each request exactly once when an approval and a denial race', async () => {
    const approverToken = await tokenFor(dbaOne.id, dbaOne.groups);
    const denierToken = await tokenFor(dbaTwo.id, dbaTwo.groups);
    const requests = Array.from({ length: 20 }, () => anAccessRequest(engineer));
    await publish(...requests);
    const requestIds = requests.map((request) => request.data.requestId);
    await Promise.all(requestIds.map((id) => waitForEvent(id, 'ApprovalRequested')));

    const races = await Promise.all(
      requestIds.map(async (requestId) => {
        const [approval, denial] = await Promise.all([
          decide(approverToken, requestId, 'approve'),
          decide(denierToken, requestId, 'deny'),
        ]);
        return { requestId, approval, denial };
      }),
    );

    for (const { approval, denial } of races) {
      expect([approval.status, denial.status].sort()).toEqual([200, 409]);
      const loser = approval.status === 409 ? approval : denial;
      expect(loser.body.error).toBe('already-resolved');
    }
    await waitFor('a resolution of every raced request on the topic', () =>
      requestIds.every(
        (id) => eventsOf(id, 'RequestApproved').length + eventsOf(id, 'RequestDenied').length > 0,
      ),
    );
    await sleep(SETTLE_MS);
    for (const { requestId, approval } of races) {
      const expected = approval.status === 200 ? 'approved' : 'denied';
      const approvedEvents = eventsOf(requestId, 'RequestApproved').length;
      const deniedEvents = eventsOf(requestId, 'RequestDenied').length;
      expect({ requestId, approvedEvents, deniedEvents }).toEqual({
        requestId,
        approvedEvents: expected === 'approved' ? 1 : 0,
        deniedEvents: expected === 'denied' ? 1 : 0,
      });
      expect(eventsOf(requestId, 'GrantIssued')).toHaveLength(expected === 'approved' ? 1 : 0);
      const stored = await storedRequest(requestId);
      expect(stored.status).toBe(expected);
      expect(stored.decisions).toHaveLength(1);
    }
  });

  it('refuses any decision on a request that is already resolved', async () => {
    const requestId = await pendingRequest(engineer);
    const denial = await decide(dbaTwo, requestId, 'deny', { comment: 'not during the freeze' });

    const lateApproval = await decide(dbaOne, requestId, 'approve');
    const secondDenial = await decide(dbaOne, requestId, 'deny');

    expect(denial).toMatchObject({
      status: 200,
      body: { status: 'denied', resolvedBy: dbaTwo.id },
    });
    expect(lateApproval).toMatchObject({ status: 409, body: { error: 'already-resolved' } });
    expect(secondDenial).toMatchObject({ status: 409, body: { error: 'already-resolved' } });
    const [denied] = await waitForEvent(requestId, 'RequestDenied');
    expect(denied!.data).toMatchObject({ deniedBy: dbaTwo.id, comment: 'not during the freeze' });
    await sleep(SETTLE_MS);
    expect(eventsOf(requestId, 'RequestDenied')).toHaveLength(1);
    expect(eventsOf(requestId, 'RequestApproved')).toHaveLength(0);
    expect(await storedRequest(requestId)).toMatchObject({ status: 'denied', approvers: [] });
  });

  it('expires a pending request once when its deadline passes, however often it is told', async () => {
    const request = anAccessRequest(engineer);
    await publish(request);
    await waitForEvent(request.data.requestId, 'ApprovalRequested');
    const deadline = aDeadline(request);
    const anotherDeadline = aDeadline(request);

    await publish(deadline, deadline, anotherDeadline);
    await waitUntilHandled(anotherDeadline.id);

    const [expired] = await waitForEvent(request.data.requestId, 'RequestExpired');
    expect(expired!).toMatchObject({ source: 'approvals', causationId: deadline.id });
    await sleep(SETTLE_MS);
    expect(eventsOf(request.data.requestId, 'RequestExpired')).toHaveLength(1);
    expect(await storedRequest(request.data.requestId)).toMatchObject({
      status: 'expired',
      decisions: [{ outcome: 'expired', decided_by: null }],
    });
    const lateApproval = await decide(dbaOne, request.data.requestId, 'approve');
    expect(lateApproval).toMatchObject({ status: 409, body: { error: 'already-resolved' } });
  });

  it('does nothing when the deadline of an approved request passes', async () => {
    const request = anAccessRequest(engineer);
    await publish(request);
    await waitForEvent(request.data.requestId, 'ApprovalRequested');
    expect((await decide(dbaOne, request.data.requestId, 'approve')).status).toBe(200);

    const deadline = aDeadline(request);
    await publish(deadline);
    await waitUntilHandled(deadline.id);

    await sleep(SETTLE_MS);
    expect(eventsOf(request.data.requestId, 'RequestExpired')).toHaveLength(0);
    expect((await storedRequest(request.data.requestId)).status).toBe('approved');
  });

  it('decides a request delivered twice only once', async () => {
    const request = anAccessRequest(engineer);
    const sameRequestRepublished = { ...request, id: randomUUID() };

    await publish(request, request, sameRequestRepublished);
    await waitUntilHandled(sameRequestRepublished.id);

    await sleep(SETTLE_MS);
    expect(eventsOf(request.data.requestId, 'ApprovalRequested')).toHaveLength(1);
  });

  it('caps a long request at the role maximum and says so on the grant', async () => {
    const requestId = await pendingRequest(engineer, { role: 'reporting', duration: 'PT6H' });
    const [asked] = eventsOf(requestId, 'ApprovalRequested');
    expect(asked!.data.duration).toBe('PT4H');

    const response = await decide(dbaOne, requestId, 'approve');

    expect(response).toMatchObject({
      status: 200,
      body: { grant: { duration: 'PT4H', requestedDuration: 'PT6H', capped: true } },
    });
    const [issued] = await waitForEvent(requestId, 'GrantIssued');
    expect(issued!.data).toMatchObject({
      duration: 'PT4H',
      requestedDuration: 'PT6H',
      capped: true,
    });
    expect(lengthOf(issued!.data)).toBe(4 * HOUR_MS);
  });

  it('refuses a request its policies do not allow and keeps nothing of it', async () => {
    const request = anAccessRequest(engineer, { role: 'superuser' });
    await publish(request);

    const [refused] = await waitForEvent(request.data.requestId, 'AccessRequestRefused');

    expect(refused!).toMatchObject({ source: 'approvals', causationId: request.id });
    expect(refused!.data).toMatchObject({ reason: 'no-matching-policy', policyId: 'orders' });
    expect(await approvalState(request.data.requestId)).toMatchObject({
      status: 404,
      body: { error: 'unknown-request' },
    });
  });

  it('answers 404 for a request it has not seen, 400 for a bad body and 401 without a token', async () => {
    const unknown = await decide(dbaOne, randomUUID(), 'approve');
    const requestId = await pendingRequest(engineer);
    const badBody = await decide(dbaOne, requestId, 'approve', { comment: 'ok', approver: 'u-1' });
    const badId = await decide(dbaOne, 'not-a-uuid', 'approve');
    const anonymous = await fetch(`${service.url}/access-requests/${requestId}/approve`, {
      method: 'POST',
    });

    expect(unknown).toMatchObject({ status: 404, body: { error: 'unknown-request' } });
    expect(badBody).toMatchObject({ status: 400, body: { error: 'validation-failed' } });
    expect(badId).toMatchObject({ status: 400, body: { error: 'validation-failed' } });
    expect(anonymous.status).toBe(401);
    expect((await storedRequest(requestId)).approvers).toEqual([]);
  });
});
