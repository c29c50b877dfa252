import { randomUUID } from 'node:crypto';
import { Principal } from '@app/contracts';
import { anEvent } from '@app/contracts/testing';
import { ManualClock } from '@app/domain';
import { verifyWebhookSignature } from '../apps/notifications/src/signing/webhook-signature';
import { callAs } from './support/http';
import { RoutingRecipient, writeRoutingFile } from './support/notification-routing';
import {
  anOptOut,
  optOutExpired,
  optOutRevoked,
  publishAccessEvents,
} from './support/opt-out-events';
import { SmtpReceiver } from './support/smtp-receiver';
import { testWebhookSecret, TestStack } from './support/stack';
import { headerOf, WebhookReceiver } from './support/webhook-receiver';
import { sleep, waitFor } from './support/wait-for';

const LEAD_A = 'u-900';
const LEAD_B = 'u-901';
const LEAD_C = 'u-902';
const CISO = 'ciso';
const leadA: Principal = { id: LEAD_A, groups: ['security-leads'] };
const leadB: Principal = { id: LEAD_B, groups: ['security-leads'] };
const requester: Principal = {
  id: 'u-101',
  groups: ['sre', 'payments'],
  attributes: { onCall: true, training: ['break-glass-2026'] },
};

function routingFile(recipients: RoutingRecipient[], levels: string[][], ackWithin = 'PT15M') {
  return writeRoutingFile({
    recipients,
    levels,
    severities: {
      info: { channels: ['chat', 'email'] },
      high: { channels: ['chat', 'email', 'webhook'], acknowledgeWithin: 'PT1H' },
      critical: { channels: ['chat', 'email', 'webhook'], acknowledgeWithin: ackWithin },
    },
    links: {
      baseUrls: {
        approvals: 'https://approvals.example.test',
        notifications: 'https://notify.example.test',
      },
    },
  });
}

async function noticesOf(stack: TestStack, eventId: string): Promise<any> {
  const { status, body } = await callAs(
    leadA,
    'GET',
    `${stack.url('notifications')}/notices?eventId=${eventId}`,
  );
  expect(status).toBe(200);
  return body;
}

function waitForNotices(stack: TestStack, eventId: string, count: number): Promise<any> {
  return waitFor(`${count} notices of ${eventId}`, async () => {
    const body = await noticesOf(stack, eventId);
    return body.notices.length >= count ? body : undefined;
  });
}

function escalationsOn(stack: TestStack, eventId: string) {
  return stack.probe.where<{ type: string; data: { eventId: string } }>(
    stack.topics.accessEvents,
    (event) => event.type === 'NoticeEscalated' && event.data.eventId === eventId,
  );
}

describe('opt-out notices to security leads (e2e)', () => {
  describe('delivered by e-mail, chat and signed webhook', () => {
    let stack: TestStack;
    let smtp: SmtpReceiver;
    let chat: WebhookReceiver;
    let generic: WebhookReceiver;

    const now = '2026-12-02T03:04:05.000Z';
    const earlier = anOptOut({
      requester,
      time: '2026-11-25T09:00:00.000Z',
      duration: 'PT2H',
      resource: 'db:payments-prod',
      role: 'read-only',
    });
    const earlierRevoked = optOutRevoked(earlier.activated, '2026-11-25T10:00:00.000Z', {
      revokedBy: LEAD_B,
      reason: 'Incident closed',
    });
    const anomaly = anEvent(
      'AnomalyDetected',
      {
        anomalyId: randomUUID(),
        subject: requester.id,
        score: 0.4,
        rule: 'first-access-to-resource',
        reason: 'first opt-out on db:payments-prod',
        relatedIds: [earlier.optOutId],
        detectedAt: '2026-11-25T09:00:01.000Z',
      },
      { time: '2026-11-25T09:00:01.000Z' },
    );
    const current = anOptOut({ requester, time: now, duration: 'PT2H' });

    beforeAll(async () => {
      smtp = await SmtpReceiver.start();
      chat = await WebhookReceiver.start(() => 200);
      generic = await WebhookReceiver.start(() => 200);
      const routing = routingFile(
        [
          {
            id: LEAD_A,
            name: 'Ada Lead',
            email: 'ada@example.test',
            chatWebhookUrl: chat.url,
            webhookUrl: generic.url,
          },
          { id: LEAD_B, name: 'Ben Lead', email: 'ben@example.test', chatWebhookUrl: chat.url },
          { id: LEAD_C, name: 'Cy Lead', email: 'cy@example.test' },
          { id: CISO, name: 'The CISO', email: 'ciso@example.test' },
        ],
        [[LEAD_A, LEAD_B, LEAD_C], [CISO]],
      );
      stack = await TestStack.start({
        name: 'opt-out-notices',
        services: ['notifications'],
        serviceEnv: {
          notifications: {
            NOTIFICATION_ROUTING_FILE: routing,
            SMTP_URL: smtp.url,
            SMTP_FROM: 'jit-access@example.test',
            NOTIFICATIONS_POLL_INTERVAL_MS: '50',
          },
        },
      });

      // The history first, so that the break-glass notice can tell it.
      await publishAccessEvents(stack, [
        earlier.requested,
        earlier.activated,
        earlierRevoked,
        anomaly,
      ]);
      await waitForNotices(stack, earlierRevoked.id, 3);
      await waitForNotices(stack, anomaly.id, 3);
      await publishAccessEvents(stack, [current.requested, current.activated]);
      await waitFor('the break-glass e-mails', () => mailsAbout(current.optOutId).length >= 3);
    });

    afterAll(async () => {
      await stack?.close();
      await Promise.all([smtp?.close(), chat?.close(), generic?.close()]);
    });

    function mailsAbout(optOutId: string) {
      return smtp.received.filter(
        (mail) => mail.subject.includes('OptOutActivated') && mail.text.includes(optOutId),
      );
    }

    it('e-mails each level-0 lead the break-glass with everything needed to act on it', () => {
      const mail = mailsAbout(current.optOutId).find((candidate) =>
        candidate.to.includes('ada@example.test'),
      );

      expect(mail).toBeDefined();
      expect(mail!.from).toBe('jit-access@example.test');
      expect(mail!.subject).toBe('[CRITICAL] break-glass OptOutActivated: u-101 on db:orders-prod');
      const text = mail!.text;
      for (const expected of [
        'groups: sre, payments',
        'attributes: onCall=true, training=break-glass-2026',
        'kind: break-glass',
        'resource: db:orders-prod',
        'role: db-admin',
        'justification: Checkout is failing: orders_2026_11 index corrupted',
        'incident: INC-4830',
        `window: ${now} until 2026-12-02T05:04:05.000Z`,
        'duration: PT2H',
        'maximum: PT4H',
        'read-only on db:payments-prod for PT2H: revoked (Incident closed)',
        'first-access-to-resource (score 0.40): first opt-out on db:payments-prod',
        `POST https://approvals.example.test/opt-outs/${current.optOutId}/review`,
        `POST https://approvals.example.test/opt-outs/${current.optOutId}/revoke`,
        `GET https://approvals.example.test/opt-outs/${current.optOutId}`,
        'POST https://notify.example.test/notices/',
      ]) {
        expect(text).toContain(expected);
      }
      expect(
        mailsAbout(current.optOutId)
          .flatMap((candidate) => candidate.to)
          .sort(),
      ).toEqual(['ada@example.test', 'ben@example.test', 'cy@example.test']);
    });

    it('posts the chat message shape, a text and one section per part', async () => {
      const messages = await waitFor('two chat messages', () => {
        const found = chat.received.filter(
          (hook) => headerOf(hook, 'X-Jit-Event-Id') === current.activated.id,
        );
        return found.length >= 2 ? found : undefined;
      });

      const message = messages[0]!.json as { text: string; blocks: any[] };
      expect(message.text).toBe('[CRITICAL] break-glass OptOutActivated: u-101 on db:orders-prod');
      expect(message.blocks.length).toBeGreaterThan(5);
      for (const block of message.blocks) {
        expect(block).toMatchObject({ type: 'section', text: { type: 'mrkdwn' } });
      }
      expect(message.blocks.map((block) => block.text.text).join('\n')).toContain('*Who*');
    });

    it('signs the generic webhook as the JIT webhooks are, with the notice and the event', async () => {
      const hook = await waitFor('the generic webhook', () =>
        generic.received.find((candidate) => candidate.json['eventId'] === current.activated.id),
      );

      const verification = verifyWebhookSignature(
        testWebhookSecret,
        hook.body,
        headerOf(hook, 'X-Jit-Signature'),
        new Date(),
        300,
      );
      expect(verification.valid).toBe(true);
      expect(hook.json).toMatchObject({
        deliveryId: headerOf(hook, 'X-Jit-Delivery-Id'),
        eventType: 'OptOutActivated',
        severity: 'critical',
        level: 0,
        recipient: LEAD_A,
        event: { id: current.activated.id, data: { optOutId: current.optOutId } },
      });
    });

    it('adds no notice when the same event arrives again', async () => {
      const before = await noticesOf(stack, current.activated.id);
      // Same key, so once the marker's notices exist the duplicate was consumed before it.
      const marker = optOutExpired(current.activated, '2026-12-02T05:04:05.000Z');
      await publishAccessEvents(stack, [current.activated, marker]);
      await waitForNotices(stack, marker.id, 3);

      const after = await noticesOf(stack, current.activated.id);
      expect(before.notices).toHaveLength(3);
      expect(after.notices.map((notice: any) => notice.noticeId).sort()).toEqual(
        before.notices.map((notice: any) => notice.noticeId).sort(),
      );
      expect(after.notices.flatMap((notice: any) => notice.deliveries)).toHaveLength(
        before.notices.flatMap((notice: any) => notice.deliveries).length,
      );
      expect(mailsAbout(current.optOutId)).toHaveLength(3);
    });

    it('leaves a lead who breaks glass out and tells every other lead', async () => {
      const own = anOptOut({
        requester: leadA,
        time: '2026-12-02T06:00:00.000Z',
        duration: 'PT2H',
      });

      await publishAccessEvents(stack, [own.requested, own.activated]);
      const body = await waitForNotices(stack, own.activated.id, 2);
      await sleep(300);

      const recipients = (await noticesOf(stack, own.activated.id)).notices.map(
        (notice: any) => notice.recipient,
      );
      expect(recipients.sort()).toEqual([LEAD_B, LEAD_C]);
      expect(body.notices.every((notice: any) => notice.subject === LEAD_A)).toBe(true);
      await waitFor('the other leads’ e-mails', () => mailsAbout(own.optOutId).length === 2);
      expect(
        mailsAbout(own.optOutId)
          .flatMap((mail) => mail.to)
          .sort(),
      ).toEqual(['ben@example.test', 'cy@example.test']);
    });
  });

  describe('a notice that cannot be delivered', () => {
    let stack: TestStack;
    let broken: WebhookReceiver;
    let cisoChat: WebhookReceiver;
    let smtp: SmtpReceiver;
    const breakGlass = anOptOut({
      requester,
      time: '2026-12-02T03:04:05.000Z',
      duration: 'PT2H',
    });

    beforeAll(async () => {
      broken = await WebhookReceiver.start(() => 503);
      cisoChat = await WebhookReceiver.start(() => 200);
      smtp = await SmtpReceiver.start();
      const routing = routingFile(
        [
          { id: LEAD_A, name: 'Ada Lead', chatWebhookUrl: broken.url },
          { id: CISO, name: 'The CISO', email: 'ciso@example.test', chatWebhookUrl: cisoChat.url },
        ],
        [[LEAD_A], [CISO]],
      );
      stack = await TestStack.start({
        name: 'opt-out-notices-failing',
        services: ['notifications'],
        serviceEnv: {
          notifications: {
            NOTIFICATION_ROUTING_FILE: routing,
            SMTP_URL: smtp.url,
            WEBHOOK_MAX_ATTEMPTS: '3',
            WEBHOOK_RETRY_BASE_MS: '50',
            WEBHOOK_RETRY_MAX_MS: '100',
            NOTIFICATIONS_POLL_INTERVAL_MS: '50',
          },
        },
      });
      await publishAccessEvents(stack, [breakGlass.requested, breakGlass.activated]);
    });

    afterAll(async () => {
      await stack?.close();
      await Promise.all([broken?.close(), cisoChat?.close(), smtp?.close()]);
    });

    it('records every attempt, ends the delivery failed and escalates to the next level', async () => {
      const [escalated] = await stack.probe.waitForCount<any>(
        stack.topics.accessEvents,
        (event) =>
          event.type === 'NoticeEscalated' && event.data.eventId === breakGlass.activated.id,
        1,
      );

      expect(escalated).toMatchObject({
        source: 'notifications',
        partitionKey: breakGlass.optOutId,
        data: {
          eventType: 'OptOutActivated',
          severity: 'critical',
          reason: 'delivery-failed',
          fromLevel: 0,
          toLevel: 1,
          recipients: [CISO],
        },
      });
      const attempts = broken.received.filter(
        (hook) => headerOf(hook, 'X-Jit-Event-Id') === breakGlass.activated.id,
      );
      expect(attempts.map((hook) => headerOf(hook, 'X-Jit-Delivery-Attempt'))).toEqual([
        '1',
        '2',
        '3',
      ]);

      const body = await waitForNotices(stack, breakGlass.activated.id, 2);
      const lead = body.notices.find((notice: any) => notice.recipient === LEAD_A);
      expect(lead.state).toBe('escalated');
      expect(lead.deliveries).toEqual([
        expect.objectContaining({
          channel: 'chat',
          status: 'failed',
          attemptCount: 3,
          attempts: [
            expect.objectContaining({ attempt: 1, statusCode: 503 }),
            expect.objectContaining({ attempt: 2, statusCode: 503 }),
            expect.objectContaining({ attempt: 3, statusCode: 503 }),
          ],
        }),
      ]);
      expect(body.escalations).toEqual([
        expect.objectContaining({ fromLevel: 0, toLevel: 1, reason: 'delivery-failed' }),
      ]);

      const cisoMessage = await waitFor('the CISO’s chat message', () => cisoChat.received[0]);
      expect(cisoMessage.json['text']).toBe(
        '[CRITICAL escalated to level 1] break-glass OptOutActivated: u-101 on db:orders-prod',
      );
      await waitFor('the CISO’s e-mail', () => smtp.to('ciso@example.test').length === 1);
      expect(smtp.to('ciso@example.test')[0]!.text).toContain(
        'a delivery to level 0 failed after its last attempt',
      );
    });
  });

  describe('acknowledgement and escalation of unacknowledged notices', () => {
    const clock = new ManualClock(new Date('2026-12-02T03:05:00.000Z'));
    let stack: TestStack;
    let chat: WebhookReceiver;
    let cisoChat: WebhookReceiver;
    const acknowledged = anOptOut({
      requester,
      time: '2026-12-02T03:04:05.000Z',
      duration: 'PT2H',
    });
    const ignored = anOptOut({
      requester,
      time: '2026-12-02T03:04:06.000Z',
      duration: 'PT2H',
      resource: 'db:users-prod',
    });

    beforeAll(async () => {
      chat = await WebhookReceiver.start(() => 200);
      cisoChat = await WebhookReceiver.start(() => 200);
      const routing = routingFile(
        [
          { id: LEAD_A, name: 'Ada Lead', chatWebhookUrl: chat.url },
          { id: LEAD_B, name: 'Ben Lead', chatWebhookUrl: chat.url },
          { id: CISO, name: 'The CISO', chatWebhookUrl: cisoChat.url },
        ],
        [[LEAD_A, LEAD_B], [CISO]],
        'PT15M',
      );
      stack = await TestStack.start({
        name: 'opt-out-notices-ack',
        services: ['notifications'],
        clock,
        serviceEnv: {
          notifications: {
            NOTIFICATION_ROUTING_FILE: routing,
            NOTIFICATIONS_POLL_INTERVAL_MS: '50',
          },
        },
      });
      await publishAccessEvents(stack, [
        acknowledged.requested,
        acknowledged.activated,
        ignored.requested,
        ignored.activated,
      ]);
      await waitForNotices(stack, acknowledged.activated.id, 2);
      await waitForNotices(stack, ignored.activated.id, 2);
    });

    afterAll(async () => {
      await stack?.close();
      await Promise.all([chat?.close(), cisoChat?.close()]);
    });

    it('records an acknowledgement once and emits NoticeAcknowledged', async () => {
      const { notices } = await noticesOf(stack, acknowledged.activated.id);
      const toLeadA = notices.find((notice: any) => notice.recipient === LEAD_A);
      const url = `${stack.url('notifications')}/notices/${toLeadA.noticeId}/acknowledge`;

      const first = await callAs(leadB, 'POST', url);
      const second = await callAs(leadA, 'POST', url);
      const byOutsider = await callAs({ id: 'u-555', groups: [] }, 'POST', url);
      const bySubject = await callAs(requester, 'POST', url);

      expect(first.status).toBe(200);
      expect(first.body.acknowledged).toMatchObject({ noticeId: toLeadA.noticeId, by: LEAD_B });
      expect(second).toMatchObject({ status: 409, body: { error: 'already-acknowledged' } });
      expect(byOutsider).toMatchObject({ status: 403, body: { error: 'not-a-notice-recipient' } });
      expect(bySubject).toMatchObject({ status: 403, body: { error: 'own-opt-out' } });
      const [event] = await stack.probe.waitForCount<any>(
        stack.topics.accessEvents,
        (candidate) =>
          candidate.type === 'NoticeAcknowledged' &&
          candidate.data.eventId === acknowledged.activated.id,
        1,
      );
      expect(event).toMatchObject({
        partitionKey: acknowledged.optOutId,
        data: { noticeId: toLeadA.noticeId, acknowledgedBy: LEAD_B },
      });
    });

    it('escalates the unacknowledged critical notice after its timeout, and only that one', async () => {
      await sleep(300);
      expect(escalationsOn(stack, ignored.activated.id)).toHaveLength(0);

      clock.advance(16 * 60_000);

      const [escalated] = await stack.probe.waitForCount<any>(
        stack.topics.accessEvents,
        (event) => event.type === 'NoticeEscalated' && event.data.eventId === ignored.activated.id,
        1,
      );
      expect(escalated).toMatchObject({
        partitionKey: ignored.optOutId,
        time: '2026-12-02T03:21:00.000Z',
        data: { reason: 'unacknowledged', fromLevel: 0, toLevel: 1, recipients: [CISO] },
      });
      await waitFor('the CISO’s chat message', () => cisoChat.received.length === 1);
      expect(String(cisoChat.received[0]!.json['text'])).toContain('db:users-prod');
      await sleep(500);
      expect(escalationsOn(stack, acknowledged.activated.id)).toHaveLength(0);
      expect(escalationsOn(stack, ignored.activated.id)).toHaveLength(1);
      expect(cisoChat.received).toHaveLength(1);
      const body = await noticesOf(stack, acknowledged.activated.id);
      expect(body.notices.map((notice: any) => notice.state)).toEqual([
        'acknowledged',
        'acknowledged',
      ]);
    });
  });
});
