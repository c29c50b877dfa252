import { randomUUID } from 'node:crypto';
import { anEvent } from '@app/contracts/testing';
import { buildNoticeContent } from './notice.builder';
import { planNotices, PlanRequest } from './notice-plan';
import { parseNoticeRouting } from './notice-routing';
import { evolveOptOutRecord } from './opt-out-history';

const routing = parseNoticeRouting(
  `
version: 1
recipients:
  - id: u-900
    name: Ada
    email: ada@example.test
    chatWebhookUrl: 'https://chat.example.test/a'
    webhookUrl: 'https://pager.example.test/a'
  - { id: u-901, name: Ben, email: ben@example.test }
  - { id: ciso, name: CISO, chatWebhookUrl: 'https://chat.example.test/ciso' }
levels:
  - recipients: [u-900, u-901]
  - recipients: [ciso]
severities:
  info: { channels: [chat] }
  high: { channels: [chat, email], acknowledgeWithin: PT1H }
  critical: { channels: [chat, email, webhook], acknowledgeWithin: PT15M }
links:
  baseUrls: { notifications: 'https://notify.example.test' }
`,
  'routing.yaml',
);
const NOW = new Date('2026-12-02T03:04:06.000Z');
const activated = anEvent('OptOutActivated', { optOutId: randomUUID(), kind: 'break-glass' });
const content = buildNoticeContent(
  { event: activated, optOut: evolveOptOutRecord(null, activated), history: [], anomalies: [] },
  routing.baseUrls,
);

function request(overrides: Partial<PlanRequest> = {}): PlanRequest {
  return {
    content,
    correlationId: activated.correlationId,
    recipients: [routing.recipients.get('u-900')!, routing.recipients.get('u-901')!],
    level: 0,
    escalation: null,
    routing,
    mailFrom: 'jit@example.test',
    now: NOW,
    newId: randomUUID,
    ...overrides,
  };
}

describe(planNotices.name, () => {
  it('makes one notice per recipient, due for acknowledgement after the severity’s timeout', () => {
    const plan = planNotices(request());

    expect(plan.notices.map((notice) => notice.recipientId)).toEqual(['u-900', 'u-901']);
    for (const notice of plan.notices) {
      expect(notice).toMatchObject({
        eventId: activated.id,
        partitionKey: activated.partitionKey,
        severity: 'critical',
        level: 0,
        acknowledgeBy: new Date(NOW.getTime() + 15 * 60_000),
      });
    }
  });

  it('makes one delivery per routed channel the recipient has an address for', () => {
    const plan = planNotices(request());

    expect(plan.deliveries.map((delivery) => delivery.endpointName)).toEqual([
      'u-900:chat',
      'u-900:email',
      'u-900:webhook',
      'u-901:email',
    ]);
  });

  it('renders the chat message with a text and a section per part', () => {
    const chat = planNotices(request()).deliveries.find((delivery) => delivery.channel === 'chat')!;

    const body = JSON.parse(chat.body) as { text: string; blocks: { type: string; text: any }[] };
    expect(body.text).toBe(
      `[CRITICAL] break-glass OptOutActivated: ${activated.data.subject} on ${activated.data.resource}`,
    );
    expect(body.blocks.map((block) => block.text.text.split('\n')[0])).toEqual([
      '*What happened*',
      '*Who*',
      '*What*',
      '*Why*',
      '*Incident or ticket*',
      '*How long*',
      `*Opt-outs of ${activated.data.subject} in the last 30 days*`,
      `*Anomalies about ${activated.data.subject} in the last 30 days*`,
      '*Act*',
    ]);
  });

  it('renders the e-mail with its subject and a plain-text body holding the ack link', () => {
    const plan = planNotices(request());
    const email = plan.deliveries.find((delivery) => delivery.endpointName === 'u-901:email')!;
    const notice = plan.notices.find((candidate) => candidate.recipientId === 'u-901')!;

    expect(email.url).toBe('mailto:ben@example.test');
    const message = JSON.parse(email.body) as Record<string, string>;
    expect(message).toMatchObject({
      from: 'jit@example.test',
      to: 'ben@example.test',
      subject: expect.stringMatching(/^\[CRITICAL\] break-glass OptOutActivated: /),
    });
    expect(message['text']).toContain(
      `POST https://notify.example.test/notices/${notice.id}/acknowledge`,
    );
  });

  it('says on an escalated notice why it reached the next level', () => {
    const plan = planNotices(
      request({
        recipients: [routing.recipients.get('ciso')!],
        level: 1,
        escalation: { fromLevel: 0, reason: 'unacknowledged' },
      }),
    );

    const body = JSON.parse(plan.deliveries[0]!.body) as { text: string; blocks: any[] };
    expect(body.text).toMatch(/^\[CRITICAL escalated to level 1\] /);
    expect(body.blocks[0].text.text).toContain('nobody at level 0 acknowledged it in time');
  });

  it('gives an info notice no acknowledgement time', () => {
    const revoked = anEvent('OptOutRevoked');
    const info = buildNoticeContent(
      { event: revoked, optOut: null, history: [], anomalies: [] },
      {},
    );

    const plan = planNotices(request({ content: info }));

    expect(plan.notices.every((notice) => notice.acknowledgeBy === null)).toBe(true);
    expect(plan.deliveries.map((delivery) => delivery.endpointName)).toEqual(['u-900:chat']);
  });
});
