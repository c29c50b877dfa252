import { EventEnvelope } from '@app/contracts';
import { ManualClock } from '@app/domain';
import { grantIssued } from './support/expiry-events';
import { callAs, users } from './support/http';
import {
  breakGlassReviewed,
  optOutActivated,
  optOutLapsed,
  optOutRenewed,
  optOutRevoked,
  optOutUsed,
  publishAccessEvents,
} from './support/opt-out-events';
import { TestStack } from './support/stack';
import { withDatabase } from './support/test-namespace';
import { nextDay } from './support/timeline';
import { sleep, waitFor } from './support/wait-for';

type Envelope = EventEnvelope & { data: Record<string, any> };
type Activated = EventEnvelope<'OptOutActivated'>;

const POLL_INTERVAL_MS = 50;
// Long enough for a wrongly fired deadline to reach the topic.
const SETTLE_MS = 20 * POLL_INTERVAL_MS;

describe('opt-outs in the expiry schedule', () => {
  const clock = new ManualClock(new Date('2026-12-01T00:00:00.000Z'));
  let stack: TestStack;

  beforeAll(async () => {
    stack = await TestStack.start({
      name: 'optoutexpiry',
      clock,
      services: ['expiry'],
      env: { EXPIRY_POLL_INTERVAL_MS: String(POLL_INTERVAL_MS) },
    });
  });
  afterAll(async () => {
    await stack?.close();
  });

  const publish = (...events: EventEnvelope[]) => publishAccessEvents(stack, events);

  const fromExpiry = (type: string, predicate: (event: Envelope) => boolean) => (json: Envelope) =>
    json.type === type && json.source === 'expiry' && predicate(json);
  const emitted = (type: string, predicate: (event: Envelope) => boolean = () => true) =>
    stack.probe.where<Envelope>(stack.topics.accessEvents, fromExpiry(type, predicate));
  const waitForEmitted = (type: string, predicate: (event: Envelope) => boolean, count = 1) =>
    stack.probe.waitForCount<Envelope>(
      stack.topics.accessEvents,
      fromExpiry(type, predicate),
      count,
    );

  const ofOptOut = (optOut: Activated) => (event: Envelope) =>
    event.data.optOutId === optOut.data.optOutId;
  const ofSubject = (subject: string) => (event: Envelope) => event.data.subject === subject;
  const deadlineOf = (optOut: Activated, deadline: string) => (event: Envelope) =>
    ofOptOut(optOut)(event) && event.data.deadline === deadline;

  const query = <T>(sql: string, params: unknown[] = []) =>
    withDatabase(
      stack.namespace.databaseUrl,
      async (client) => (await client.query(sql, params)).rows as T[],
    );
  const statusOf = async (targetId: string) =>
    (
      await query<{ status: string }>('SELECT status FROM expiry.grants WHERE grant_id = $1', [
        targetId,
      ])
    )[0]?.status;
  const deadline = async (kind: string, targetId: string) =>
    (
      await query<{ status: string; due_at: Date }>(
        'SELECT status, due_at FROM expiry.deadlines WHERE kind = $1 AND target_id = $2',
        [kind, targetId],
      )
    )[0];
  const waitForDeadline = (
    kind: string,
    targetId: string,
    expected: { status: string; dueAt?: string },
  ) =>
    waitFor(`the ${kind} deadline to be ${expected.status}`, async () => {
      const found = await deadline(kind, targetId);
      return (
        found?.status === expected.status &&
        (expected.dueAt === undefined || found.due_at.toISOString() === expected.dueAt)
      );
    });
  const waitForActive = (...ids: string[]) =>
    waitFor('the grants and opt-outs to be scheduled', async () => {
      const statuses = await Promise.all(ids.map(statusOf));
      return statuses.every((status) => status === 'active');
    });

  let subjects = 300;
  const aSubject = () => `u-${(subjects += 1)}`;
  const advanceTo = (instant: string) => clock.set(new Date(instant));

  it('expires a break-glass at its end and revokes its access once', async () => {
    const at = nextDay(clock);
    const subject = aSubject();
    const optOut = optOutActivated({
      kind: 'break-glass',
      subject,
      startsAt: at('10:00'),
      endsAt: at('11:00'),
      reviewBy: at('23:00'),
    });
    await publish(optOut);
    await waitForActive(optOut.data.optOutId);

    advanceTo(at('11:00'));
    const [expired] = await waitForEmitted('OptOutExpired', ofOptOut(optOut));
    const [revoked] = await waitForEmitted('AccessRevoked', ofSubject(subject));
    await sleep(SETTLE_MS);

    expect(expired).toMatchObject({
      time: at('11:00'),
      partitionKey: optOut.data.optOutId,
      correlationId: optOut.correlationId,
      causationId: optOut.id,
      data: {
        kind: 'break-glass',
        subject,
        resource: optOut.data.resource,
        role: optOut.data.role,
        endedAt: at('11:00'),
        coveringGrantIds: [],
      },
    });
    expect(revoked).toMatchObject({
      partitionKey: optOut.data.optOutId,
      data: {
        lastGrantId: optOut.data.optOutId,
        requestId: optOut.data.optOutId,
        revokedAt: at('11:00'),
        reason: 'expired',
      },
    });
    expect(emitted('AccessRevoked', ofSubject(subject))).toHaveLength(1);
    expect(emitted('GrantExpired', ofSubject(subject))).toHaveLength(0);
    expect(await statusOf(optOut.data.optOutId)).toBe('expired');
  });

  it('moves the end of a renewed standing exception, with nothing at the old end', async () => {
    const at = nextDay(clock);
    const subject = aSubject();
    const optOut = optOutActivated({
      kind: 'standing-exception',
      subject,
      startsAt: at('09:00'),
      endsAt: at('11:00'),
    });
    advanceTo(at('10:00'));
    const renewal = optOutRenewed(optOut, { renewedAt: at('10:00'), endsAt: at('13:00') });
    await publish(optOut, renewal);
    await waitForDeadline('grant-end', optOut.data.optOutId, {
      status: 'scheduled',
      dueAt: at('13:00'),
    });

    advanceTo(at('11:00'));
    await sleep(SETTLE_MS);

    expect(emitted('OptOutExpired', ofOptOut(optOut))).toHaveLength(0);
    expect(emitted('AccessRevoked', ofSubject(subject))).toHaveLength(0);

    advanceTo(at('13:00'));
    const [expired] = await waitForEmitted('OptOutExpired', ofOptOut(optOut));
    await waitForEmitted('AccessRevoked', ofSubject(subject));

    expect(expired).toMatchObject({ causationId: renewal.id, data: { endedAt: at('13:00') } });
  });

  it.each([
    ['revoked', optOutRevoked],
    ['lapsed', optOutLapsed],
  ] as const)('revokes the access at once when an opt-out is %s', async (reason, end) => {
    const at = nextDay(clock);
    const subject = aSubject();
    const optOut = optOutActivated({
      kind: 'standing-exception',
      subject,
      startsAt: at('09:00'),
      endsAt: at('12:00'),
      lapseAfterUnused: 'PT2H',
    });
    await publish(optOut);
    await waitForActive(optOut.data.optOutId);

    advanceTo(at('10:20'));
    const ended = end(optOut, at('10:20'));
    await publish(ended);
    const [revoked] = await waitForEmitted('AccessRevoked', ofSubject(subject));

    expect(revoked).toMatchObject({
      time: at('10:20'),
      partitionKey: optOut.data.optOutId,
      correlationId: optOut.correlationId,
      causationId: ended.id,
      data: {
        lastGrantId: optOut.data.optOutId,
        requestId: optOut.data.optOutId,
        revokedAt: at('10:20'),
        reason,
      },
    });
    expect(await statusOf(optOut.data.optOutId)).toBe(reason);
    expect((await deadline('grant-end', optOut.data.optOutId))?.status).toBe('cancelled');
    expect((await deadline('unused-lapse', optOut.data.optOutId))?.status).toBe('cancelled');

    advanceTo(at('12:00'));
    await sleep(SETTLE_MS);

    expect(emitted('OptOutExpired', ofOptOut(optOut))).toHaveLength(0);
    expect(emitted('OptOutDeadlinePassed', ofOptOut(optOut))).toHaveLength(0);
    expect(emitted('AccessRevoked', ofSubject(subject))).toHaveLength(1);
  });

  it('keeps the review of a revoked break-glass', async () => {
    const at = nextDay(clock);
    const optOut = optOutActivated({
      kind: 'break-glass',
      subject: aSubject(),
      startsAt: at('09:00'),
      endsAt: at('11:00'),
      reviewBy: at('15:00'),
    });
    await publish(optOut, optOutRevoked(optOut, at('09:30')));
    await waitFor('the break-glass to be revoked', async () => {
      return (await statusOf(optOut.data.optOutId)) === 'revoked';
    });

    advanceTo(at('15:00'));
    const [passed] = await waitForEmitted('OptOutDeadlinePassed', ofOptOut(optOut));

    expect(passed?.data).toEqual({
      optOutId: optOut.data.optOutId,
      deadline: 'review',
      dueAt: at('15:00'),
    });
  });

  it('revokes once, when the last of a JIT grant and the opt-out it covers ends', async () => {
    const at = nextDay(clock);
    const subject = aSubject();
    const access = { subject, resource: 'db:orders-prod', role: 'db-admin' };
    const grant = grantIssued({ ...access, startsAt: at('10:00'), endsAt: at('11:00') });
    const optOut = optOutActivated({
      kind: 'legacy-exemption',
      ...access,
      startsAt: at('10:30'),
      endsAt: at('12:00'),
    });
    await publish(grant, optOut);
    await waitForActive(grant.data.grantId, optOut.data.optOutId);

    advanceTo(at('11:00'));
    const [grantExpired] = await waitForEmitted('GrantExpired', ofSubject(subject));
    await sleep(SETTLE_MS);

    expect(grantExpired?.data.coveringGrantIds).toEqual([optOut.data.optOutId]);
    expect(emitted('AccessRevoked', ofSubject(subject))).toHaveLength(0);

    advanceTo(at('12:00'));
    const [optOutExpired] = await waitForEmitted('OptOutExpired', ofOptOut(optOut));
    const [revoked] = await waitForEmitted('AccessRevoked', ofSubject(subject));
    await sleep(SETTLE_MS);

    expect(optOutExpired?.data.coveringGrantIds).toEqual([]);
    expect(revoked?.data).toMatchObject({ lastGrantId: optOut.data.optOutId, reason: 'expired' });
    expect(emitted('AccessRevoked', ofSubject(subject))).toHaveLength(1);
  });

  it('leaves the access to a covering JIT grant when an opt-out ends, early or on time', async () => {
    const at = nextDay(clock);
    const subject = aSubject();
    const access = { subject, resource: 'db:orders-prod', role: 'read-only' };
    const grant = grantIssued({ ...access, startsAt: at('10:30'), endsAt: at('12:00') });
    const expiring = optOutActivated({
      kind: 'break-glass',
      ...access,
      startsAt: at('10:00'),
      endsAt: at('11:00'),
    });
    const revoked = optOutActivated({
      kind: 'standing-exception',
      ...access,
      startsAt: at('10:00'),
      endsAt: at('13:00'),
    });
    await publish(grant, expiring, revoked);
    await waitForActive(grant.data.grantId, expiring.data.optOutId, revoked.data.optOutId);

    advanceTo(at('10:40'));
    await publish(optOutRevoked(revoked, at('10:40')));
    await waitFor('the opt-out to be revoked', async () => {
      return (await statusOf(revoked.data.optOutId)) === 'revoked';
    });
    advanceTo(at('11:00'));
    const [expired] = await waitForEmitted('OptOutExpired', ofOptOut(expiring));
    await sleep(SETTLE_MS);

    expect(expired?.data.coveringGrantIds).toEqual([grant.data.grantId]);
    expect(emitted('AccessRevoked', ofSubject(subject))).toHaveLength(0);

    advanceTo(at('12:00'));
    const [last] = await waitForEmitted('AccessRevoked', ofSubject(subject));
    await sleep(SETTLE_MS);

    expect(last?.data).toMatchObject({ lastGrantId: grant.data.grantId, reason: 'expired' });
    expect(emitted('AccessRevoked', ofSubject(subject))).toHaveLength(1);
  });

  it('tells when the review, unused-lapse and recertification deadlines pass', async () => {
    const at = nextDay(clock);
    const breakGlass = optOutActivated({
      kind: 'break-glass',
      subject: aSubject(),
      startsAt: at('08:00'),
      endsAt: at('09:00'),
      reviewBy: at('10:00'),
    });
    const standing = optOutActivated({
      kind: 'standing-exception',
      subject: aSubject(),
      startsAt: at('08:00'),
      endsAt: at('20:00'),
      lapseAfterUnused: 'PT2H30M',
    });
    const legacy = optOutActivated({
      kind: 'legacy-exemption',
      subject: aSubject(),
      startsAt: at('08:00'),
      endsAt: at('20:00'),
      recertifyBy: at('10:45'),
    });
    await publish(breakGlass, standing, legacy);
    await waitForActive(breakGlass.data.optOutId, standing.data.optOutId, legacy.data.optOutId);

    advanceTo(at('11:00'));
    const [review] = await waitForEmitted('OptOutDeadlinePassed', ofOptOut(breakGlass));
    const [lapse] = await waitForEmitted('OptOutDeadlinePassed', ofOptOut(standing));
    const [recertification] = await waitForEmitted('OptOutDeadlinePassed', ofOptOut(legacy));
    await sleep(SETTLE_MS);

    expect(review).toMatchObject({
      time: at('11:00'),
      partitionKey: breakGlass.data.optOutId,
      correlationId: breakGlass.correlationId,
      causationId: breakGlass.id,
      data: { optOutId: breakGlass.data.optOutId, deadline: 'review', dueAt: at('10:00') },
    });
    expect(lapse).toMatchObject({
      partitionKey: standing.data.optOutId,
      causationId: standing.id,
      data: { deadline: 'unused-lapse', dueAt: at('10:30') },
    });
    expect(recertification).toMatchObject({
      partitionKey: legacy.data.optOutId,
      causationId: legacy.id,
      data: { deadline: 'recertification', dueAt: at('10:45') },
    });
    for (const optOut of [breakGlass, standing, legacy]) {
      expect(emitted('OptOutDeadlinePassed', ofOptOut(optOut))).toHaveLength(1);
    }
  });

  it('schedules a fired recertification again at the recertifyBy of a renewal', async () => {
    const at = nextDay(clock);
    const legacy = optOutActivated({
      kind: 'legacy-exemption',
      subject: aSubject(),
      startsAt: at('08:00'),
      endsAt: at('12:00'),
      recertifyBy: at('10:00'),
    });
    await publish(legacy);
    await waitForActive(legacy.data.optOutId);
    advanceTo(at('10:00'));
    await waitForEmitted('OptOutDeadlinePassed', deadlineOf(legacy, 'recertification'));

    const renewal = optOutRenewed(legacy, {
      renewedAt: at('10:00'),
      endsAt: at('16:00'),
      recertifyBy: at('14:00'),
    });
    await publish(renewal);
    await waitForDeadline('recertification', legacy.data.optOutId, {
      status: 'scheduled',
      dueAt: at('14:00'),
    });
    advanceTo(at('14:00'));
    const passed = await waitForEmitted(
      'OptOutDeadlinePassed',
      deadlineOf(legacy, 'recertification'),
      2,
    );

    expect(passed[1]).toMatchObject({
      causationId: renewal.id,
      data: { deadline: 'recertification', dueAt: at('14:00') },
    });
    expect(emitted('OptOutExpired', ofOptOut(legacy))).toHaveLength(0);
  });

  it('moves the unused lapse of a standing exception when it is used', async () => {
    const at = nextDay(clock);
    const standing = optOutActivated({
      kind: 'standing-exception',
      subject: aSubject(),
      startsAt: at('10:00'),
      endsAt: at('20:00'),
      lapseAfterUnused: 'PT1H',
    });
    const use = optOutUsed(standing, at('10:30'));
    const olderUse = optOutUsed(standing, at('10:10'));
    await publish(standing, use, olderUse);
    await waitForDeadline('unused-lapse', standing.data.optOutId, {
      status: 'scheduled',
      dueAt: at('11:30'),
    });

    advanceTo(at('11:00'));
    await sleep(SETTLE_MS);

    expect(emitted('OptOutDeadlinePassed', ofOptOut(standing))).toHaveLength(0);

    advanceTo(at('11:30'));
    const [lapse] = await waitForEmitted('OptOutDeadlinePassed', ofOptOut(standing));

    expect(lapse).toMatchObject({
      causationId: use.id,
      data: { deadline: 'unused-lapse', dueAt: at('11:30') },
    });
  });

  it('cancels the review deadline once the break-glass is reviewed', async () => {
    const at = nextDay(clock);
    const breakGlass = optOutActivated({
      kind: 'break-glass',
      subject: aSubject(),
      startsAt: at('08:00'),
      endsAt: at('09:00'),
      reviewBy: at('12:00'),
    });
    await publish(breakGlass, breakGlassReviewed(breakGlass, at('10:00')));
    await waitForDeadline('review', breakGlass.data.optOutId, { status: 'cancelled' });

    advanceTo(at('12:00'));
    await waitForEmitted('OptOutExpired', ofOptOut(breakGlass));
    await sleep(SETTLE_MS);

    expect(emitted('OptOutDeadlinePassed', ofOptOut(breakGlass))).toHaveLength(0);
  });

  it('counts the opt-out deadlines in the schedule summary', async () => {
    const at = nextDay(clock);
    const summaryNow = () =>
      callAs(users.auditor, 'GET', `${stack.url('expiry')}/schedule/summary`);
    const before = await summaryNow();
    const optOut = optOutActivated({
      kind: 'standing-exception',
      subject: aSubject(),
      startsAt: at('08:00'),
      endsAt: at('12:00'),
      lapseAfterUnused: 'PT1H',
      recertifyBy: at('11:00'),
      reviewBy: at('13:00'),
    });
    await publish(optOut);
    await waitForActive(optOut.data.optOutId);

    const after = await summaryNow();

    expect(after.status).toBe(200);
    for (const kind of ['grant-end', 'unused-lapse', 'review', 'recertification']) {
      expect(after.body.kinds[kind].scheduled).toBe(before.body.kinds[kind].scheduled + 1);
    }
    expect(after.body.kinds['unused-lapse'].nextDueAt).toBe(at('09:00'));

    advanceTo(at('13:00'));
    await waitForDeadline('review', optOut.data.optOutId, { status: 'fired' });
  });

  it('splits opt-outs between two instances, revoking each access once while revocations race ends', async () => {
    const at = nextDay(clock);
    const keys = Array.from({ length: 40 }, (_, index) => {
      const access = { subject: aSubject(), resource: `db:raced-${index}`, role: 'db-admin' };
      return {
        grant: grantIssued({ ...access, startsAt: at('09:00'), endsAt: at('10:00') }),
        optOut: optOutActivated({
          kind: 'standing-exception',
          ...access,
          startsAt: at('09:30'),
          endsAt: at('10:30'),
          lapseAfterUnused: 'PT50M',
        }),
        revoke: index % 2 === 0,
      };
    });
    const isRaced = (event: Envelope) => String(event.data.resource).startsWith('db:raced-');
    await publish(...keys.flatMap(({ grant, optOut }) => [grant, optOut]));
    await waitForActive(
      ...keys.flatMap(({ grant, optOut }) => [grant.data.grantId, optOut.data.optOutId]),
    );

    const second = await stack.startService('expiry', { EXPIRY_BATCH_SIZE: '7' });
    try {
      advanceTo(at('11:00'));
      await publish(
        ...keys.filter((key) => key.revoke).map(({ optOut }) => optOutRevoked(optOut, at('09:45'))),
      );
      await waitForEmitted('AccessRevoked', isRaced, keys.length);
      await waitFor('every opt-out to have ended', async () => {
        const statuses = await Promise.all(
          keys.map(({ optOut }) => statusOf(optOut.data.optOutId)),
        );
        return statuses.every((status) => status !== 'active');
      });
      await sleep(SETTLE_MS);
    } finally {
      stack.extra.splice(stack.extra.indexOf(second), 1);
      await second.close();
    }

    for (const { grant, optOut, revoke } of keys) {
      const revoked = emitted('AccessRevoked', ofSubject(optOut.data.subject));
      const status = await statusOf(optOut.data.optOutId);
      expect(revoked).toHaveLength(1);
      expect(emitted('GrantExpired', ofSubject(grant.data.subject))).toHaveLength(1);
      expect(emitted('OptOutExpired', ofOptOut(optOut))).toHaveLength(status === 'expired' ? 1 : 0);
      if (!revoke) {
        expect(status).toBe('expired');
        expect(emitted('OptOutDeadlinePassed', ofOptOut(optOut))).toHaveLength(1);
      }
    }
    expect(emitted('AccessRevoked', isRaced)).toHaveLength(keys.length);
  });

  it('misses nothing that came due or was published while it was down', async () => {
    const at = nextDay(clock);
    const subject = aSubject();
    const before = optOutActivated({
      kind: 'break-glass',
      subject,
      startsAt: at('08:00'),
      endsAt: at('09:00'),
      reviewBy: at('10:00'),
    });
    const during = optOutActivated({
      kind: 'standing-exception',
      subject: aSubject(),
      startsAt: at('08:00'),
      endsAt: at('12:00'),
    });
    await publish(before);
    await waitForActive(before.data.optOutId);

    await stack.stopService('expiry');
    try {
      await publish(during, optOutRevoked(during, at('08:30')));
      advanceTo(at('11:00'));
    } finally {
      await stack.startService('expiry');
    }
    await waitForEmitted('OptOutExpired', ofOptOut(before));
    await waitForEmitted('OptOutDeadlinePassed', ofOptOut(before));
    await waitForEmitted('AccessRevoked', ofSubject(during.data.subject));
    await waitForEmitted('AccessRevoked', ofSubject(subject));
    await sleep(SETTLE_MS);

    expect(emitted('AccessRevoked', ofSubject(subject))).toHaveLength(1);
    expect(emitted('AccessRevoked', ofSubject(during.data.subject))).toEqual([
      expect.objectContaining({ data: expect.objectContaining({ reason: 'revoked' }) }),
    ]);
    expect(emitted('OptOutDeadlinePassed', ofOptOut(before))).toHaveLength(1);
  });
});
