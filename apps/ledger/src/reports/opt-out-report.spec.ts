import { entriesOf } from '../testing/ledger-entry.builders';
import {
  anActivatedOptOut,
  anEvent,
  aGrantedRequest,
  minutesAfterBase,
} from '../testing/ledger-event.builders';
import { optOutReport, optOutReportText } from './opt-out-report';
import { OptOutReport } from './reports.schemas';

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

  describe('of break-glass reviews', () => {
    const other = anActivatedOptOut({ subject: 'u-104', startMinute: 10 });
    const reviewed = (
      life: typeof breakGlass,
      subject: string,
      outcome: 'justified' | 'unjustified',
      late: boolean,
      minute: number,
    ) =>
      anEvent('BreakGlassReviewed', {
        optOutId: life.optOutId,
        subject,
        reviewer: 'u-900',
        outcome,
        late,
        reviewedAt: minutesAfterBase(minute),
      });
    const reviews = [
      reviewed(breakGlass, 'u-101', 'justified', true, 300),
      reviewed(other, 'u-104', 'unjustified', false, 310),
    ];

    it('lists the reviews done with reviewer, outcome and lateness, and counts them by outcome', () => {
      const report = optOutReport(PERIOD, entriesOf([...events, ...other.events, ...reviews]));

      expect(report.reviews.done).toEqual([
        {
          optOutId: breakGlass.optOutId,
          subject: 'u-101',
          reviewer: 'u-900',
          outcome: 'justified',
          late: true,
          reviewedAt: minutesAfterBase(300),
        },
        {
          optOutId: other.optOutId,
          subject: 'u-104',
          reviewer: 'u-900',
          outcome: 'unjustified',
          late: false,
          reviewedAt: minutesAfterBase(310),
        },
      ]);
      expect(report.reviews.doneByOutcome).toEqual({ justified: 1, unjustified: 1 });
      expect(report.reviews.doneLate).toEqual([
        {
          optOutId: breakGlass.optOutId,
          subject: 'u-101',
          reviewer: 'u-900',
          reviewedAt: minutesAfterBase(300),
        },
      ]);
    });

    it("tells each reviewed opt-out its review's outcome", () => {
      const report = optOutReport(PERIOD, entriesOf([...other.events, ...reviews.slice(1)]));

      expect(report.optOuts[0]!.review).toEqual({
        reviewer: 'u-900',
        outcome: 'unjustified',
        late: false,
        reviewedAt: minutesAfterBase(310),
      });
    });

    it('counts no reviews by either outcome in a period without any', () => {
      const report = optOutReport(PERIOD, entriesOf(events));

      expect(report.reviews.done).toEqual([]);
      expect(report.reviews.doneByOutcome).toEqual({ justified: 0, unjustified: 0 });
    });

    it('knows the opt-out of a review whose activation lies before the period', () => {
      const report = optOutReport(PERIOD, entriesOf(reviews.slice(1)));

      expect(report.optOuts).toEqual([
        expect.objectContaining({
          optOutId: other.optOutId,
          kind: 'break-glass',
          subject: 'u-104',
        }),
      ]);
      expect(optOutReportText(report)).toContain(`- break-glass ${other.optOutId} of u-104: `);
    });
  });

  it('sorts the counts by kind, team and resource, refusals and anomalies by their keys', () => {
    const refusal = (reason: 'not-eligible' | 'attribute-not-met', optOutId: string) =>
      anEvent('OptOutRefused', { optOutId, reason, requester: { id: 'u-105', groups: ['web'] } });
    const anomaly = (rule: 'mutual-approvals' | 'approval-too-fast') =>
      anEvent('AnomalyDetected', { rule, relatedIds: [breakGlass.optOutId] });
    const zebra = anActivatedOptOut({ subject: 'u-106', groups: ['zebra'], resource: 'db:z-prod' });
    const alpha = anActivatedOptOut({
      kind: 'legacy-exemption',
      subject: 'u-107',
      groups: ['alpha'],
      resource: 'app:a-legacy',
    });
    const unordered = [
      ...standing.events,
      ...alpha.events,
      ...zebra.events,
      ...breakGlass.events,
      refusal('not-eligible', '1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d'),
      refusal('attribute-not-met', '2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e'),
      anomaly('mutual-approvals'),
      anomaly('approval-too-fast'),
    ];

    const report = optOutReport(PERIOD, entriesOf(unordered));

    expect(Object.keys(report.byKind)).toEqual([
      'break-glass',
      'legacy-exemption',
      'standing-exception',
    ]);
    expect(Object.keys(report.byTeam)).toEqual(['alpha', 'dba', 'oncall', 'sre', 'zebra']);
    expect(Object.keys(report.byResource)).toEqual([
      'app:a-legacy',
      'db:orders-prod',
      'db:payments-prod',
      'db:z-prod',
    ]);
    expect(Object.keys(report.refusalsByReason)).toEqual(['attribute-not-met', 'not-eligible']);
    expect(Object.keys(report.anomaliesByRule)).toEqual(['approval-too-fast', 'mutual-approvals']);
  });

  it('answers a report that its documented schema accepts', () => {
    const reviewed = anEvent('BreakGlassReviewed', { optOutId: breakGlass.optOutId });

    const report = optOutReport(PERIOD, entriesOf([...events, reviewed]));

    expect(OptOutReport.parse(report)).toEqual(report);
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

  it('shows the reviews done, by outcome and lateness, and those still open', () => {
    const reviewed = anActivatedOptOut({ subject: 'u-101' });
    const overdue = anActivatedOptOut({ subject: 'u-102' });
    const events = [
      ...reviewed.events,
      ...overdue.events,
      anEvent('BreakGlassReviewed', {
        optOutId: reviewed.optOutId,
        subject: 'u-101',
        reviewer: 'u-900',
        outcome: 'unjustified',
        late: true,
        reviewedAt: minutesAfterBase(300),
      }),
      anEvent('BreakGlassReviewOverdue', {
        optOutId: overdue.optOutId,
        subject: 'u-102',
        resource: 'db:orders-prod',
        role: 'db-admin',
        reviewBy: minutesAfterBase(400),
      }),
    ];

    const text = optOutReportText(optOutReport(PERIOD, entriesOf(events)));

    expect(text).toContain(
      '1 done in the period: 0 justified, 1 unjustified, 1 of them late; ' +
        '1 overdue and still open at the end of the period.',
    );
    expect(text).toContain(
      `- unjustified, late: break-glass ${reviewed.optOutId} of u-101, reviewed by u-900 at ` +
        minutesAfterBase(300),
    );
    expect(text).toContain(
      `- still open: break-glass ${overdue.optOutId} of u-102, due ${minutesAfterBase(400)}`,
    );
    expect(text).toContain(`reviewed unjustified by u-900 at ${minutesAfterBase(300)}, late`);
  });

  it('writes the same text for the same period, its sections in sorted order', () => {
    const sre = anActivatedOptOut({ subject: 'u-101', groups: ['sre'], resource: 'db:b-prod' });
    const dba = anActivatedOptOut({ subject: 'u-102', groups: ['dba'], resource: 'db:a-prod' });

    const text = optOutReportText(optOutReport(PERIOD, entriesOf([...sre.events, ...dba.events])));

    expect(text.indexOf('| dba |')).toBeLessThan(text.indexOf('| sre |'));
    expect(text.indexOf('| db:a-prod |')).toBeLessThan(text.indexOf('| db:b-prod |'));
  });
});
