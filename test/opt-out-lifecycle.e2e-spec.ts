import { ManualClock } from '@app/domain';
import { Envelope, eventsOfType, settle, waitForEvent } from './support/flows';
import { callAs, expectStatus, User, users } from './support/http';
import { eventTypes, ledgerRows } from './support/ledger-queries';
import { writeRoutingFile } from './support/notification-routing';
import { SmtpReceiver } from './support/smtp-receiver';
import { TestStack } from './support/stack';
import { waitFor } from './support/wait-for';

const SECOND_MS = 1000;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
// A Monday morning in working hours, so nothing here looks like out-of-hours break-glass.
const START = new Date('2026-12-07T09:00:00.000Z');

const LEAD_EMAIL = 'lead@example.test';
const CISO_EMAIL = 'ciso@example.test';

function routingFile(): string {
  return writeRoutingFile({
    recipients: [
      { id: users.securityLead.id, name: 'Lee Lead', email: LEAD_EMAIL },
      { id: 'ciso', name: 'The CISO', email: CISO_EMAIL },
    ],
    levels: [[users.securityLead.id], ['ciso']],
    severities: {
      info: { channels: ['email'] },
      high: { channels: ['email'], acknowledgeWithin: 'PT1H' },
      critical: { channels: ['email'], acknowledgeWithin: 'PT15M' },
    },
  });
}

/**
 * Each kind of opt-out through its whole life with all five services, a real SMTP server and one
 * manual clock that every service reads, so days pass in moments.
 */
describe('opt-outs through their whole life across all five services', () => {
  let stack: TestStack;
  let smtp: SmtpReceiver;
  const clock = new ManualClock(START);

  beforeAll(async () => {
    smtp = await SmtpReceiver.start();
    stack = await TestStack.start({
      name: 'opt-out-lifecycle',
      clock,
      serviceEnv: {
        notifications: { NOTIFICATION_ROUTING_FILE: routingFile(), SMTP_URL: smtp.url },
      },
    });
  });

  afterAll(async () => {
    await stack?.close();
    await smtp?.close();
  });

  const approvals = (path: string) => `${stack.url('approvals')}/opt-outs${path}`;
  const ask = (user: User, kind: string, body: object) =>
    callAs(user, 'POST', approvals(`/${kind}`), body);
  const act = (user: User, optOutId: string, action: string, body: object = {}) =>
    callAs(user, 'POST', approvals(`/${optOutId}/${action}`), body);
  const view = async (optOutId: string) =>
    (await callAs(users.securityLead, 'GET', approvals(`/${optOutId}`))).body;

  const currentGrantIds = async (subject: string): Promise<string[]> => {
    const { body } = await callAs(
      users.auditor,
      'GET',
      `${stack.url('ledger')}/grants?subject=${subject}`,
    );
    return (body.grants as { grantId: string }[]).map((grant) => grant.grantId);
  };

  const revocationOf = (optOutId: string) =>
    waitFor(`AccessRevoked of ${optOutId}`, () =>
      eventsOfType(stack, 'AccessRevoked', optOutId).at(0),
    );

  it('break-glass: active at once, expires, an overdue review suspends, the review restores', async () => {
    const breakGlass = {
      resource: 'db:orders-prod',
      role: 'db-admin',
      duration: 'PT1H',
      justification: 'orders API returns 500s; the migration lock must be released',
      incident: 'INC-9100',
    };
    const asked = await ask(users.onCallSre, 'break-glass', breakGlass);
    expectStatus(asked, 201);
    const optOutId: string = asked.body.optOutId;

    const activated = await waitForEvent(stack, optOutId, 'OptOutActivated');
    expect(activated.data).toMatchObject({
      startsAt: START.toISOString(),
      endsAt: new Date(START.getTime() + HOUR_MS).toISOString(),
      reviewBy: new Date(START.getTime() + HOUR_MS + 2 * DAY_MS).toISOString(),
    });
    await waitFor('the break-glass in current grants', async () =>
      (await currentGrantIds(users.onCallSre.id)).includes(optOutId),
    );
    await waitFor('the critical e-mail to the lead', () =>
      smtp
        .to(LEAD_EMAIL)
        .find((mail) => mail.subject.includes('CRITICAL') && mail.text.includes(optOutId)),
    );

    clock.advance(HOUR_MS + SECOND_MS);
    await waitForEvent(stack, optOutId, 'OptOutExpired');
    expect((await revocationOf(optOutId)).data).toMatchObject({ reason: 'expired' });
    await waitFor('the break-glass gone from current grants', async () =>
      (await currentGrantIds(users.onCallSre.id)).includes(optOutId) ? undefined : true,
    );

    clock.advance(2 * DAY_MS);
    const overdue = await waitForEvent(stack, optOutId, 'BreakGlassReviewOverdue');
    await waitForEvent(stack, optOutId, 'BreakGlassEligibilitySuspended');
    const suspended = await ask(users.onCallSre, 'break-glass', breakGlass);
    expectStatus(suspended, 422);
    expect(suspended.body).toMatchObject({ reason: 'eligibility-suspended' });

    // Nobody acknowledges the overdue-review notice, so it reaches the next level.
    await waitFor('the overdue-review e-mail to the lead', () =>
      smtp.to(LEAD_EMAIL).find((mail) => mail.subject.includes('BreakGlassReviewOverdue')),
    );
    clock.advance(HOUR_MS + SECOND_MS);
    const escalated = await waitFor('the escalation of the overdue review', () =>
      eventsOfType(stack, 'NoticeEscalated').find((event) => event.data.eventId === overdue.id),
    );
    expect(escalated.data).toMatchObject({ reason: 'unacknowledged', toLevel: 1 });
    await waitFor('the escalation e-mail to the CISO', () =>
      smtp.to(CISO_EMAIL).find((mail) => mail.subject.includes('BreakGlassReviewOverdue')),
    );

    expectStatus(
      await act(users.onCallSre, optOutId, 'review', { outcome: 'justified', notes: 'mine' }),
      403,
    );
    expectStatus(
      await act(users.securityLead, optOutId, 'review', {
        outcome: 'justified',
        notes: 'Lock released; root cause in the INC-9100 postmortem',
      }),
      200,
    );
    const reviewed = await waitForEvent(stack, optOutId, 'BreakGlassReviewed');
    expect(reviewed.data).toMatchObject({ reviewer: users.securityLead.id, late: true });
    await waitForEvent(stack, optOutId, 'BreakGlassEligibilityRestored');
    expectStatus(await ask(users.onCallSre, 'break-glass', breakGlass), 201);

    await waitFor('the whole life in the ledger', async () => {
      const types = eventTypes(await ledgerRows(stack.namespace.databaseUrl, optOutId));
      return types.includes('BreakGlassEligibilityRestored') ? types : undefined;
    });
    const types = eventTypes(await ledgerRows(stack.namespace.databaseUrl, optOutId));
    const life = [
      'OptOutRequested',
      'OptOutActivated',
      'OptOutExpired',
      'AccessRevoked',
      'OptOutDeadlinePassed',
      'BreakGlassReviewOverdue',
      'BreakGlassEligibilitySuspended',
      'BreakGlassReviewed',
      'BreakGlassEligibilityRestored',
    ];
    expect(types.filter((type) => life.includes(type))).toEqual(life);
  });

  it('standing exception: approved by a lead, used, renewed with an attestation, then lapses', async () => {
    const asked = await ask(users.seniorDba, 'standing-exceptions', {
      resource: 'db:orders-prod',
      role: 'read-only',
      duration: 'P10D',
      justification: 'daily replication-lag checks during the cluster move',
      ticket: 'CHG-4410',
    });
    expectStatus(asked, 202);
    const optOutId: string = asked.body.optOutId;
    expectStatus(await act(users.seniorDba, optOutId, 'approve'), 403);
    expectStatus(await act(users.securityLead, optOutId, 'approve', { comment: 'ok' }), 200);
    await waitForEvent(stack, optOutId, 'OptOutActivated');
    const usedAt = clock.now().getTime();
    expectStatus(await act(users.seniorDba, optOutId, 'uses'), 200);
    await waitForEvent(stack, optOutId, 'OptOutUsed');

    clock.advance(3 * DAY_MS);
    expectStatus(await act(users.seniorDba, optOutId, 'renew', { duration: 'P10D' }), 400);
    expectStatus(
      await act(users.seniorDba, optOutId, 'renew', {
        duration: 'P10D',
        attestation: 'The cluster move runs one more week; checks continue daily',
      }),
      200,
    );
    const renewed = await waitForEvent(stack, optOutId, 'OptOutRenewed');
    expect(renewed.data.endsAt).toBe(new Date(clock.now().getTime() + 10 * DAY_MS).toISOString());

    // Seven days after its last use, well before its renewed end, it lapses.
    clock.set(new Date(usedAt + 7 * DAY_MS + SECOND_MS));
    const lapsed = await waitForEvent(stack, optOutId, 'OptOutLapsed');
    expect(lapsed.data).toMatchObject({ uses: 1, unusedFor: 'P7D' });
    expect((await revocationOf(optOutId)).data).toMatchObject({ reason: 'lapsed' });
    await waitFor('the view to say lapsed', async () =>
      (await view(optOutId)).status === 'lapsed' ? true : undefined,
    );
    expect(eventsOfType(stack, 'OptOutExpired', optOutId)).toEqual([]);
  });

  it('standing exception nobody uses expires at its end and is flagged as unused', async () => {
    const asked = await ask(users.seniorDba, 'standing-exceptions', {
      resource: 'db:orders-prod',
      role: 'read-only',
      duration: 'P3D',
      justification: 'nightly checks while the replica is rebuilt',
      ticket: 'CHG-4411',
    });
    expectStatus(asked, 202);
    const optOutId: string = asked.body.optOutId;
    expectStatus(await act(users.securityLead, optOutId, 'approve'), 200);
    await waitForEvent(stack, optOutId, 'OptOutActivated');

    clock.advance(3 * DAY_MS + SECOND_MS);
    await waitForEvent(stack, optOutId, 'OptOutExpired');
    expect((await revocationOf(optOutId)).data).toMatchObject({ reason: 'expired' });
    const anomaly = await waitFor('the unused standing exception anomaly', () =>
      eventsOfType(stack, 'AnomalyDetected').find(
        (event: Envelope) =>
          event.data.rule === 'standing-exception-unused' &&
          (event.data.relatedIds as string[]).includes(optOutId),
      ),
    );
    expect(anomaly.data).toMatchObject({ subject: users.seniorDba.id });
  });

  it('legacy exemption: recertified by its owner before it ends, then expires', async () => {
    const asked = await ask(users.mainframeOperator, 'legacy-exemptions', {
      resource: 'app:mainframe-billing',
      role: 'operator',
      duration: 'P30D',
      justification: 'the batch scheduler has no per-job roles',
      owner: users.legacyOwner.id,
      compensatingControls: ['session recording', 'weekly log review by the owner'],
    });
    expectStatus(asked, 201);
    const optOutId: string = asked.body.optOutId;
    const activated = await waitForEvent(stack, optOutId, 'OptOutActivated');
    const firstEnd = new Date(activated.data.endsAt as string).getTime();
    expect(activated.data.recertifyBy).toBe(new Date(firstEnd - 14 * DAY_MS).toISOString());

    clock.set(new Date(firstEnd - 14 * DAY_MS + SECOND_MS));
    const due = await waitForEvent(stack, optOutId, 'LegacyExemptionRecertificationDue');
    expect(due.data).toMatchObject({ owner: users.legacyOwner.id });

    const recertification = {
      duration: 'P30D',
      attestation: 'Controls reviewed; session recordings checked for November',
    };
    expectStatus(await act(users.mainframeOperator, optOutId, 'renew', recertification), 403);
    expectStatus(await act(users.legacyOwner, optOutId, 'renew', recertification), 200);
    const renewed = await waitForEvent(stack, optOutId, 'OptOutRenewed');
    const newEnd = new Date(renewed.data.endsAt as string).getTime();
    expect(newEnd).toBeGreaterThan(firstEnd);

    // Nothing happens at the first end any more.
    clock.set(new Date(firstEnd + SECOND_MS));
    await settle();
    expect(eventsOfType(stack, 'OptOutExpired', optOutId)).toEqual([]);

    clock.set(new Date(newEnd + SECOND_MS));
    await waitForEvent(stack, optOutId, 'OptOutExpired');
    expect((await revocationOf(optOutId)).data).toMatchObject({ reason: 'expired' });
    // The approvals service learns of the end through Kafka, a moment after expiry emitted it.
    await waitFor('the view to say expired', async () =>
      (await view(optOutId)).status === 'expired' ? true : undefined,
    );
  });
});
