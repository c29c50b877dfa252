import { randomUUID } from 'node:crypto';
import { anEvent } from '@app/contracts/testing';
import { buildNoticeContent, NoticeFacts } from './notice.builder';
import { evolveOptOutRecord, OptOutRecord } from './opt-out-history';

const optOutId = randomUUID();
const requester = {
  id: 'u-101',
  groups: ['sre', 'payments'],
  attributes: { onCall: true, training: ['break-glass-2026'] },
};
const requested = anEvent('OptOutRequested', {
  optOutId,
  requester,
  justification: 'Checkout is failing',
  incident: 'INC-4830',
  maximumDuration: 'PT4H',
});
const activated = anEvent('OptOutActivated', {
  optOutId,
  subject: 'u-101',
  justification: 'Checkout is failing',
  incident: 'INC-4830',
});
const earlier: OptOutRecord = {
  ...evolveOptOutRecord(null, anEvent('OptOutRequested', { requester }))!,
  resource: 'db:payments-prod',
  role: 'read-only',
  outcome: 'revoked',
  outcomeReason: 'Incident closed',
  firstSeenAt: '2026-11-25T09:00:00.000Z',
};

function facts(overrides: Partial<NoticeFacts> = {}): NoticeFacts {
  return {
    event: activated,
    optOut: [requested, activated].reduce<OptOutRecord | null>(evolveOptOutRecord, null),
    history: [earlier],
    anomalies: [
      {
        anomalyId: randomUUID(),
        subject: 'u-101',
        rule: 'first-access-to-resource',
        score: 0.4,
        reason: 'first opt-out on db:payments-prod',
        resource: 'db:payments-prod',
        detectedAt: '2026-11-25T09:00:01.000Z',
      },
    ],
    ...overrides,
  };
}

function linesOf(content: ReturnType<typeof buildNoticeContent>, title: string): string[] {
  const section = content.sections.find((candidate) => candidate.title === title);
  if (!section) throw new Error(`no section ${title}`);
  return section.lines;
}

describe(buildNoticeContent.name, () => {
  it('tells who broke glass with their groups and attributes, from the request', () => {
    const content = buildNoticeContent(facts(), {});

    expect(linesOf(content, 'Who')).toEqual([
      'id: u-101',
      'groups: sre, payments',
      'attributes: onCall=true, training=break-glass-2026',
    ]);
  });

  it('tells what, why, the incident and how long', () => {
    const content = buildNoticeContent(facts(), {});

    expect(linesOf(content, 'What')).toEqual(
      expect.arrayContaining([
        'event: OptOutActivated',
        'kind: break-glass',
        `resource: ${activated.data.resource}`,
        `role: ${activated.data.role}`,
      ]),
    );
    expect(linesOf(content, 'Why')).toContain('justification: Checkout is failing');
    expect(linesOf(content, 'Incident or ticket')).toEqual(['incident: INC-4830', 'ticket: none']);
    expect(linesOf(content, 'How long')).toEqual(
      expect.arrayContaining([
        `window: ${activated.data.startsAt} until ${activated.data.endsAt}`,
        `duration: ${activated.data.duration}`,
        'maximum: PT4H',
        `review due by: ${activated.data.reviewBy}`,
      ]),
    );
  });

  it('tells the person’s recent opt-outs with their outcomes and their anomalies', () => {
    const content = buildNoticeContent(facts(), {});

    expect(linesOf(content, 'Opt-outs of u-101 in the last 30 days')).toEqual([
      `2026-11-25T09:00:00.000Z break-glass read-only on db:payments-prod for ${earlier.duration}: revoked (Incident closed)`,
    ]);
    expect(linesOf(content, 'Anomalies about u-101 in the last 30 days')).toEqual([
      '2026-11-25T09:00:01.000Z first-access-to-resource (score 0.40): first opt-out on db:payments-prod',
    ]);
  });

  it('says so when there is no history and the request was not seen', () => {
    const content = buildNoticeContent(
      facts({ optOut: evolveOptOutRecord(null, activated), history: [], anomalies: [] }),
      {},
    );

    expect(linesOf(content, 'Who')[1]).toMatch(/^groups and attributes: not known/);
    expect(linesOf(content, 'Opt-outs of u-101 in the last 30 days')).toEqual([
      'none besides this one',
    ]);
    expect(linesOf(content, 'Anomalies about u-101 in the last 30 days')).toEqual(['none']);
  });

  it('links review, revoke and the opt-out, absolute where the base URL is known', () => {
    const content = buildNoticeContent(facts(), { approvals: 'https://approvals.example.test/' });

    expect(content.links['review']).toEqual({
      service: 'approvals',
      method: 'POST',
      path: `/opt-outs/${optOutId}/review`,
      url: `https://approvals.example.test/opt-outs/${optOutId}/review`,
    });
    expect(content.links['revoke']?.url).toBe(
      `https://approvals.example.test/opt-outs/${optOutId}/revoke`,
    );
    expect(content.links['optOut']).toMatchObject({ method: 'GET', path: `/opt-outs/${optOutId}` });
    expect(content.links['audit']?.url).toBe(`/audit?optOutId=${optOutId}`);
  });

  it('offers no review link for a standing exception', () => {
    const standing = anEvent('OptOutActivated', { optOutId, kind: 'standing-exception' });

    const content = buildNoticeContent(facts({ event: standing, optOut: null }), {});

    expect(Object.keys(content.links).sort()).toEqual(['audit', 'optOut', 'revoke']);
  });

  it('fills an event naming only the opt-out from what was remembered of it', () => {
    const denied = anEvent('OptOutDenied', { optOutId, deniedBy: 'u-900', comment: 'Use JIT' });
    const remembered = evolveOptOutRecord(null, requested);

    const content = buildNoticeContent(facts({ event: denied, optOut: remembered }), {});

    expect(content).toMatchObject({ personId: 'u-101', kind: 'break-glass', severity: 'info' });
    expect(content.headline).toBe(
      `u-900 denied u-101's break-glass for ${requested.data.role} on ${requested.data.resource}`,
    );
    expect(linesOf(content, 'Why')).toContain('denial comment: Use JIT');
  });

  it('keys the notice by the event’s partition key and rates its severity', () => {
    const anomaly = anEvent('AnomalyDetected', { score: 0.9, relatedIds: [optOutId] });

    const content = buildNoticeContent(facts({ event: anomaly }), {});

    expect(content).toMatchObject({
      partitionKey: optOutId,
      optOutId,
      severity: 'high',
      personId: anomaly.data.subject,
    });
  });
});
