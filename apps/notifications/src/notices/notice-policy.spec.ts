import { anEvent } from '@app/contracts/testing';
import {
  nextLevelWithRecipients,
  NoticeEvent,
  noticeSeverityOf,
  recipientsAt,
} from './notice-policy';
import { parseNoticeRouting } from './notice-routing';

const routing = parseNoticeRouting(
  `
version: 1
recipients:
  - { id: u-900, name: Ada }
  - { id: u-901, name: Ben }
  - { id: u-950, name: Deputy }
  - { id: ciso, name: CISO }
levels:
  - recipients: [u-900, u-901]
  - recipients: [u-950]
  - recipients: [ciso]
severities:
  info: { channels: [chat] }
  high: { channels: [chat], acknowledgeWithin: PT1H }
  critical: { channels: [chat], acknowledgeWithin: PT15M }
`,
  'routing.yaml',
);

describe(noticeSeverityOf.name, () => {
  it('makes a break-glass activation critical', () => {
    expect(noticeSeverityOf(anEvent('OptOutActivated', { kind: 'break-glass' }))).toBe('critical');
  });

  it('makes standing-exception and legacy-exemption activations high', () => {
    expect(noticeSeverityOf(anEvent('OptOutActivated', { kind: 'standing-exception' }))).toBe(
      'high',
    );
    expect(noticeSeverityOf(anEvent('OptOutActivated', { kind: 'legacy-exemption' }))).toBe('high');
  });

  it('makes an overdue review and a suspended eligibility high', () => {
    expect(noticeSeverityOf(anEvent('BreakGlassReviewOverdue'))).toBe('high');
    expect(noticeSeverityOf(anEvent('BreakGlassEligibilitySuspended'))).toBe('high');
  });

  it('makes an anomaly high from a score of 0.7 and info below', () => {
    expect(noticeSeverityOf(anEvent('AnomalyDetected', { score: 0.7 }))).toBe('high');
    expect(noticeSeverityOf(anEvent('AnomalyDetected', { score: 0.69 }))).toBe('info');
  });

  it('makes the rest info', () => {
    for (const type of [
      'OptOutRequested',
      'OptOutRefused',
      'OptOutApprovalRecorded',
      'OptOutDenied',
      'OptOutRenewed',
      'OptOutLapsed',
      'OptOutRevoked',
      'OptOutExpired',
      'BreakGlassReviewed',
      'BreakGlassEligibilityRestored',
      'LegacyExemptionRecertificationDue',
    ] as const) {
      expect(noticeSeverityOf(anEvent(type) as NoticeEvent)).toBe('info');
    }
  });
});

describe(recipientsAt.name, () => {
  it('tells every recipient of the level', () => {
    expect(recipientsAt(routing, 0, 'u-101').map((recipient) => recipient.id)).toEqual([
      'u-900',
      'u-901',
    ]);
  });

  it('leaves out the lead the notice is about', () => {
    expect(recipientsAt(routing, 0, 'u-900').map((recipient) => recipient.id)).toEqual(['u-901']);
  });

  it('tells nobody at a level that does not exist', () => {
    expect(recipientsAt(routing, 7, 'u-101')).toEqual([]);
  });
});

describe(nextLevelWithRecipients.name, () => {
  it('is the next level', () => {
    expect(nextLevelWithRecipients(routing, 0, 'u-101')).toBe(1);
  });

  it('skips a level whose only recipient is the person the notice is about', () => {
    expect(nextLevelWithRecipients(routing, 0, 'u-950')).toBe(2);
  });

  it('is null after the last level', () => {
    expect(nextLevelWithRecipients(routing, 2, 'u-101')).toBeNull();
  });
});
