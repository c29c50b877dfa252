import { entriesOf } from '../testing/ledger-entry.builders';
import {
  anActivatedOptOut,
  anEvent,
  aGrantedRequest,
  minutesAfterBase,
} from '../testing/ledger-event.builders';
import { optOutReport, optOutReportText } from './opt-out-report';

const PERIOD = { from: minutesAfterBase(-60), to: minutesAfterBase(24 * 60) };

describe(optOutReport.name, () => {
  const breakGlass = anActivatedOptOut({ subject: 'u-101', groups: ['sre', 'oncall'] });
  const standing = anActivatedOptOut({
    kind: 'standing-exception',
    subject: 'u-102',
    groups: ['dba'],
    resource: 'db:payments-prod',
    approvers: ['u-900'],
  });
  const access = (life: typeof breakGlass, kind: 'break-glass' | 'standing-exception') => ({
    optOutId: life.optOutId,
    kind,
    subject: life.activated.data.subject,
    resource: life.activated.data.resource,
    role: life.activated.data.role,
  });
  const refused = anEvent('OptOutRefused', {
    optOutId: '9b1f0e2a-7c3d-4e5f-8a9b-0c1d2e3f4a5b',
    requester: { id: 'u-103', groups: ['dba'] },
    reason: 'forbidden-by-compliance-tag',
  });
  const refusedRequest = anEvent('OptOutRequested', {
    optOutId: refused.data.optOutId,
    kind: 'standing-exception',
    requester: { id: 'u-103', groups: ['dba'] },
    resource: 'db:payments-prod',
  });
  const events = [
    ...breakGlass.events,
    ...standing.events,
    refusedRequest,
    refused,
    anEvent('OptOutUsed', { optOutId: standing.optOutId }),
    anEvent('OptOutRenewed', { ...access(standing, 'standing-exception') }),
    anEvent('OptOutExpired', {
      ...access(breakGlass, 'break-glass'),
      endedAt: minutesAfterBase(120),
    }),
    anEvent('BreakGlassReviewOverdue', { ...access(breakGlass, 'break-glass') }),
    anEvent('AnomalyDetected', {
      rule: 'break-glass-outside-hours',
      relatedIds: [breakGlass.optOutId],
    }),
    anEvent('OptOutRevoked', { ...access(standing, 'standing-exception') }),
    ...aGrantedRequest().events,
  ];

  it('counts opt-outs by kind, team and resource', () => {
    const report = optOutReport(PERIOD, entriesOf(events));

    expect(report.totals).toEqual({
      requested: 3,
      refused: 1,
      activated: 2,
      renewed: 1,
      revoked: 1,
      expired: 1,
      lapsed: 0,
    });
    expect(report.byKind['break-glass']).toMatchObject({ requested: 1, activated: 1, expired: 1 });
    expect(report.byKind['standing-exception']).toMatchObject({ requested: 2, refused: 1 });
    expect(report.byTeam).toEqual({
      sre: expect.objectContaining({ requested: 1, activated: 1 }),
      oncall: expect.objectContaining({ requested: 1 }),
      dba: expect.objectContaining({ requested: 2, refused: 1, activated: 1, revoked: 1 }),
    });
    expect(report.byResource['db:payments-prod']).toMatchObject({ requested: 2, activated: 1 });
    expect(report.refusalsByReason).toEqual({ 'forbidden-by-compliance-tag': 1 });
    expect(report.entries).toBe(events.length);
  });

  it('lists overdue reviews still open at the end and those done late', () => {
    const late = anEvent('BreakGlassReviewed', {
      optOutId: breakGlass.optOutId,
      reviewer: 'u-900',
      late: true,
    });

    const open = optOutReport(PERIOD, entriesOf(events));
    const closed = optOutReport(PERIOD, entriesOf([...events, late]));

    expect(open.reviews.openAtEnd).toEqual([
      expect.objectContaining({ optOutId: breakGlass.optOutId, reviewedAt: null }),
    ]);
    expect(closed.reviews.openAtEnd).toEqual([]);
    expect(closed.reviews.doneLate).toEqual([
      expect.objectContaining({ optOutId: breakGlass.optOutId, reviewer: 'u-900' }),
    ]);
  });

  it('counts anomalies by rule and tells each opt-out its life', () => {
    const report = optOutReport(PERIOD, entriesOf(events));

    expect(report.anomaliesByRule).toEqual({ 'break-glass-outside-hours': 1 });
    const life = report.optOuts.find((optOut) => optOut.optOutId === breakGlass.optOutId);
    expect(life).toMatchObject({
      kind: 'break-glass',
      subject: 'u-101',
      activatedAt: minutesAfterBase(0),
      ended: { how: 'expired', at: minutesAfterBase(120) },
      anomalies: ['break-glass-outside-hours'],
    });
    expect(life!.events.map((event) => event.type)).toEqual([
      'OptOutRequested',
      'OptOutActivated',
      'OptOutExpired',
      'BreakGlassReviewOverdue',
    ]);
    const other = report.optOuts.find((optOut) => optOut.optOutId === standing.optOutId);
    expect(other).toMatchObject({ uses: 1, renewals: 1, ended: { how: 'revoked' } });
  });

  it('gives an empty report for a period without opt-outs', () => {
    const report = optOutReport(PERIOD, entriesOf(aGrantedRequest().events));

    expect(report.optOuts).toEqual([]);
    expect(report.totals.requested).toBe(0);
  });
});

describe(optOutReportText.name, () => {
  it('writes the report as Markdown a person can read', () => {
    const breakGlass = anActivatedOptOut({ subject: 'u-101' });

    const text = optOutReportText(optOutReport(PERIOD, entriesOf(breakGlass.events)));

    expect(text).toContain(`# Opt-outs from ${PERIOD.from} to ${PERIOD.to}`);
    expect(text).toContain('1 opt-out(s) in 2 ledger entries: 1 requested, 0 refused, 1 activated');
    expect(text).toContain('| break-glass | 1 | 0 | 1 | 0 | 0 | 0 | 0 |');
    expect(text).toContain(
      `- break-glass ${breakGlass.optOutId} of u-101 (db-admin on db:orders-prod)`,
    );
    expect(text).toContain('not ended in the period');
  });
});
