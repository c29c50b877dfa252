import { entriesOf } from '../testing/ledger-entry.builders';
import {
  aGrantedRequest,
  aGrantExpired,
  anAccessRequestRefused,
  anActivatedOptOut,
  anEvent,
  anAccessRevoked,
  anApprovalRecorded,
  aRecordDeadLettered,
  aRequestApproved,
  aRequestDeadlinePassed,
  aRequestDenied,
  aRequestExpired,
} from '../testing/ledger-event.builders';
import {
  applyAuditTrailChanges,
  auditTrailChanges,
  AuditTrailRecord,
  AuditTrailState,
  EMPTY_AUDIT_TRAIL,
  foldAuditTrailInPlace,
  MutableAuditTrailState,
  optOutsNeedingTargets,
  requestsNeedingTargets,
  RequestTarget,
} from './audit-trail.projection';
import { ProjectedEntry } from './projected-entry';

function replay(entries: readonly ProjectedEntry[], state = EMPTY_AUDIT_TRAIL): AuditTrailState {
  return applyAuditTrailChanges(
    state,
    auditTrailChanges(entries, { requests: state.targets, optOuts: state.optOuts }),
  );
}

function recordsOf(state: AuditTrailState): AuditTrailRecord[] {
  return [...state.records.values()].sort((a, b) => a.seq - b.seq);
}

describe(auditTrailChanges.name, () => {
  it('writes one record per entry, in words, with who acted on whose access', () => {
    const { events, requestId } = aGrantedRequest({ subject: 'u-101', approver: 'u-202' });

    const records = recordsOf(replay(entriesOf(events)));

    expect(records.map((record) => record.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(records[0]).toMatchObject({ actor: 'u-101', eventType: 'AccessRequested', requestId });
    expect(records[2]).toMatchObject({
      actor: 'u-202',
      subject: 'u-101',
      resource: 'db:orders-prod',
      role: 'db-admin',
      summary: `u-202 approved request ${requestId} for u-101 (db-admin on db:orders-prod), 1 of 1`,
    });
    expect(records[4]!.grantId).not.toBeNull();
    expect(records[4]!.summary).toContain('approved by u-202');
  });

  it('names the target of a request told about by an earlier batch', () => {
    const { events, requestId } = aGrantedRequest();
    const first = replay(entriesOf(events.slice(0, 2)));

    const later = replay(entriesOf(events.slice(2, 3), 3), first);

    expect(later.records.get(3)).toMatchObject({ subject: 'u-101', resource: 'db:orders-prod' });
    expect(requestsNeedingTargets(entriesOf(events.slice(2, 3)))).toEqual([requestId]);
  });

  it('still records an event of a request whose target it does not know', () => {
    const approval = anApprovalRecorded({ approver: 'u-207' });

    const [record] = recordsOf(replay(entriesOf([approval])));

    expect(record).toMatchObject({
      actor: 'u-207',
      subject: null,
      requestId: approval.data.requestId,
    });
    expect(record!.summary).toBe(`u-207 approved request ${approval.data.requestId}, 1 of 1`);
  });

  it('notes a dead-lettered record with where it came from and why', () => {
    const note = aRecordDeadLettered({
      sourceTopic: 'jit.access.events.v1',
      partition: 3,
      offset: '42',
      consumerGroup: 'jit-expiry',
      reason: 'invalid-json',
      error: 'Unexpected end of JSON input',
    });

    const [record] = recordsOf(replay(entriesOf([note])));

    expect(record).toMatchObject({ actor: 'jit-expiry', requestId: null, subject: null });
    expect(record!.summary).toBe(
      'record dead-lettered from jit.access.events.v1 partition 3 offset 42 by jit-expiry ' +
        '(invalid-json): Unexpected end of JSON input',
    );
  });

  it('describes every kind of event', () => {
    const { requestId, grantId, events } = aGrantedRequest();
    const later = [
      aRequestApproved({ requestId, automatic: true, policyId: 'low-risk' }),
      aRequestDenied({ requestId, deniedBy: 'u-203', comment: 'not now' }),
      aRequestDeadlinePassed({ requestId }),
      aRequestExpired({ requestId }),
      aGrantExpired({ requestId, grantId, coveringGrantIds: [] }),
      anAccessRevoked({ requestId, lastGrantId: grantId }),
      anAccessRequestRefused(),
    ];

    const records = recordsOf(replay(entriesOf([...events, ...later])));

    expect(records.map((record) => record.summary)).toEqual([
      expect.stringMatching(/^u-101 requested db-admin on db:orders-prod for PT1H/),
      expect.stringContaining('awaits 1 approval(s) from dba, security-leads'),
      expect.stringContaining('u-202 approved request'),
      expect.stringContaining('approved by u-202 (policy orders-db)'),
      expect.stringContaining(`grant ${grantId} issued to u-101`),
      expect.stringContaining('approved automatically by policy low-risk'),
      expect.stringContaining('u-203 denied request'),
      expect.stringContaining('reached its decision deadline'),
      expect.stringContaining('expired undecided'),
      expect.stringContaining(`grant ${grantId} of u-101 for db-admin on db:orders-prod ended`),
      expect.stringContaining('access of u-101 to db-admin on db:orders-prod revoked'),
      expect.stringContaining('refused (duration-exceeds-maximum)'),
    ]);
  });

  it('gives the same state when the same entries are replayed twice over', () => {
    const a = aGrantedRequest();
    const b = aGrantedRequest({ subject: 'u-303' });
    const entries = entriesOf([...a.events, ...b.events, aRecordDeadLettered()]);

    const once = replay(entries);

    expect(replay(entries)).toEqual(once);
    expect(replay(entries, once)).toEqual(once);
    expect(replay([...entries, ...entries])).toEqual(once);
  });

  it('keeps the first target noted for a request', () => {
    const { events, requestId } = aGrantedRequest({ subject: 'u-101' });
    const known = new Map<string, RequestTarget>([
      [requestId, { requestId, subject: 'u-999', resource: 'x', role: 'y' }],
    ]);

    const changes = auditTrailChanges(entriesOf(events.slice(2, 3)), {
      requests: known,
      optOuts: new Map(),
    });

    expect(changes).toEqual([
      { kind: 'record-appended', record: expect.objectContaining({ subject: 'u-999' }) },
    ]);
  });

  describe('of opt-outs', () => {
    const breakGlass = anActivatedOptOut({ subject: 'u-101', resource: 'db:orders-prod' });
    const { optOutId } = breakGlass;
    const access = { optOutId, kind: 'break-glass' as const, subject: 'u-101' };
    const target = { ...access, resource: 'db:orders-prod', role: 'db-admin' };
    const later = [
      anEvent('OptOutUsed', { optOutId, reportedBy: 'pam-gateway' }),
      anEvent('OptOutRenewed', { ...target, renewedBy: 'u-101' }),
      anEvent('OptOutDeadlinePassed', { optOutId, deadline: 'review' }),
      anEvent('BreakGlassReviewOverdue', { ...target }),
      anEvent('BreakGlassEligibilitySuspended', { optOutId, subject: 'u-101' }),
      anEvent('BreakGlassReviewed', { optOutId, subject: 'u-101', reviewer: 'u-900', late: true }),
      anEvent('BreakGlassEligibilityRestored', { optOutId, subject: 'u-101' }),
      anEvent('OptOutRevoked', { ...target, revokedBy: 'u-900' }),
      anEvent('OptOutExpired', { ...target }),
      anEvent('OptOutLapsed', { ...target }),
      anAccessRevoked({
        ...target,
        requestId: optOutId,
        lastGrantId: optOutId,
        reason: 'revoked',
      }),
    ];

    it('describes every opt-out event in words, filed under its opt-out id', () => {
      const records = recordsOf(replay(entriesOf([...breakGlass.events, ...later])));

      for (const record of records) {
        expect(record).toMatchObject({
          optOutId,
          requestId: null,
          subject: 'u-101',
          resource: 'db:orders-prod',
          role: 'db-admin',
        });
      }
      expect(records.map((record) => [record.actor, record.summary])).toEqual([
        ['u-101', expect.stringMatching(/^u-101 asked for a break-glass opt-out: db-admin on/)],
        ['approvals', expect.stringContaining(`break-glass opt-out ${optOutId} active for u-101`)],
        [
          'pam-gateway',
          expect.stringContaining(`pam-gateway reported a use of opt-out ${optOutId}`),
        ],
        ['u-101', expect.stringContaining('u-101 renewed break-glass opt-out')],
        ['expiry', expect.stringContaining('reached its review deadline')],
        ['approvals', expect.stringContaining('review of break-glass')],
        ['approvals', expect.stringContaining('break-glass eligibility of u-101 suspended')],
        ['u-900', expect.stringContaining('justified, late')],
        ['approvals', expect.stringContaining('break-glass eligibility of u-101 restored')],
        ['u-900', expect.stringContaining('u-900 revoked break-glass opt-out')],
        ['expiry', expect.stringContaining('ended at')],
        ['approvals', expect.stringContaining('lapsed at')],
        [
          'expiry',
          expect.stringContaining('access of u-101 to db-admin on db:orders-prod revoked'),
        ],
      ]);
      expect(records[1]!.grantId).toBe(optOutId);
    });

    it('names the target of an opt-out told about by an earlier batch', () => {
      const first = replay(entriesOf(breakGlass.events));
      const used = anEvent('OptOutUsed', { optOutId });

      const after = replay(entriesOf([used], 3), first);

      expect(after.records.get(3)).toMatchObject({ optOutId, subject: 'u-101', role: 'db-admin' });
      expect(optOutsNeedingTargets(entriesOf([used]))).toEqual([optOutId]);
    });

    it('describes refusals, approvals, denials, recertifications, anomalies and notices', () => {
      const refused = anEvent('OptOutRefused', { optOutId: breakGlass.optOutId });
      const events = [
        refused,
        anEvent('OptOutApprovalRecorded', { optOutId, approver: 'u-900' }),
        anEvent('OptOutDenied', { optOutId, deniedBy: 'u-901' }),
        anEvent('LegacyExemptionRecertificationDue', { optOutId }),
        anEvent('AnomalyDetected', { relatedIds: [optOutId] }),
        anEvent('NoticeEscalated', {}),
        anEvent('NoticeAcknowledged', { acknowledgedBy: 'u-900' }),
      ];

      const records = recordsOf(replay(entriesOf(events)));

      expect(records.map((record) => record.summary)).toEqual([
        expect.stringContaining('refused (forbidden-by-compliance-tag, rule compliance.pci)'),
        expect.stringContaining(`u-900 approved opt-out ${optOutId}`),
        expect.stringContaining(`u-901 denied opt-out ${optOutId}`),
        expect.stringContaining('due for recertification by u-305'),
        expect.stringContaining('anomaly break-glass-outside-hours (score 0.80) about u-101'),
        expect.stringContaining('escalated from level 0 to 1 (unacknowledged) to ciso'),
        expect.stringContaining('u-900 acknowledged notice'),
      ]);
      expect(records[4]).toMatchObject({ subject: 'u-101', resource: 'db:orders-prod' });
      expect(records[5]).toMatchObject({ optOutId: null, requestId: null, actor: 'notifications' });
    });

    it('gives the same state when the same entries are replayed twice over', () => {
      const request = aGrantedRequest();
      const entries = entriesOf([
        ...breakGlass.events,
        ...later,
        ...request.events,
        anEvent('AnomalyDetected', { relatedIds: [optOutId] }),
        anEvent('AnomalyDetected', { rule: 'approval-too-fast', relatedIds: [request.requestId] }),
      ]);

      const once = replay(entries);

      expect(replay(entries)).toEqual(once);
      expect(replay(entries, once)).toEqual(once);
      expect(replay([...entries, ...entries])).toEqual(once);
    });
  });

  describe('of anomalies', () => {
    const breakGlass = anActivatedOptOut({ subject: 'u-101', resource: 'db:orders-prod' });
    const request = aGrantedRequest({ subject: 'u-102', approver: 'u-202', role: 'read-only' });
    const aboutOptOut = anEvent('AnomalyDetected', {
      rule: 'first-access-to-resource',
      subject: 'u-101',
      resource: 'db:orders-prod',
      relatedIds: [breakGlass.optOutId],
    });
    const aboutApproval = anEvent('AnomalyDetected', {
      rule: 'approval-too-fast',
      subject: 'u-202',
      team: null,
      resource: 'db:orders-prod',
      relatedIds: [request.requestId],
    });
    const history = [...breakGlass.events, ...request.events];

    it('files an anomaly about an opt-out under that opt-out, with its subject and resource', () => {
      const before = replay(entriesOf(history));

      const after = replay(entriesOf([aboutOptOut], history.length + 1), before);

      expect(after.records.get(history.length + 1)).toMatchObject({
        eventType: 'AnomalyDetected',
        optOutId: breakGlass.optOutId,
        requestId: null,
        subject: 'u-101',
        resource: 'db:orders-prod',
        role: 'db-admin',
      });
    });

    it('files an anomaly about an approval under the request, naming the approver', () => {
      const before = replay(entriesOf(history));

      const after = replay(entriesOf([aboutApproval], history.length + 1), before);

      expect(after.records.get(history.length + 1)).toMatchObject({
        optOutId: null,
        requestId: request.requestId,
        subject: 'u-202',
        resource: 'db:orders-prod',
        role: 'read-only',
      });
    });

    it('files an anomaly under neither when the ledger knew nothing of what it concerns', () => {
      const stray = anEvent('AnomalyDetected', {
        subject: 'u-303',
        resource: null,
        relatedIds: ['0b5c3a1e-6f2d-4e8a-9c7b-1d3f5a7c9e2b'],
      });

      const [record] = recordsOf(replay(entriesOf([stray])));

      expect(record).toMatchObject({
        optOutId: null,
        requestId: null,
        subject: 'u-303',
        resource: null,
        role: null,
      });
    });

    it('files an anomaly the same whether its opt-out came in the same batch or before', () => {
      const entries = entriesOf([...history, aboutOptOut, aboutApproval]);

      const together = replay(entries);
      const apart = replay(entries.slice(history.length), replay(entries.slice(0, history.length)));

      expect(apart).toEqual(together);
      expect(recordsOf(together).slice(-2)).toEqual([
        expect.objectContaining({ optOutId: breakGlass.optOutId, requestId: null }),
        expect.objectContaining({ optOutId: null, requestId: request.requestId }),
      ]);
    });

    it('asks for the targets of what anomalies concern, as opt-out or as request', () => {
      const entries = entriesOf([aboutOptOut, aboutApproval]);

      expect(optOutsNeedingTargets(entries)).toEqual([breakGlass.optOutId, request.requestId]);
      expect(requestsNeedingTargets(entries)).toEqual([breakGlass.optOutId, request.requestId]);
    });

    it('gives the same state when the same entries are replayed twice over', () => {
      const entries = entriesOf([...history, aboutOptOut, aboutApproval]);

      const once = replay(entries);

      expect(replay(entries)).toEqual(once);
      expect(replay(entries, once)).toEqual(once);
      expect(replay([...entries, ...entries])).toEqual(once);
    });

    it('folds in place, page by page, to the state the list of changes gives', () => {
      const revoked = anAccessRevoked({
        requestId: breakGlass.optOutId,
        subject: 'u-101',
        resource: 'db:orders-prod',
      });
      const refused = anAccessRequestRefused();
      const entries = entriesOf([
        ...history,
        aboutOptOut,
        aboutApproval,
        revoked,
        refused,
        ...aGrantedRequest({ subject: 'u-103' }).events,
      ]);
      const state: MutableAuditTrailState = {
        records: new Map(),
        targets: new Map(),
        optOuts: new Map(),
      };

      for (let offset = 0; offset < entries.length; offset += 3) {
        foldAuditTrailInPlace(state, entries.slice(offset, offset + 3));
      }

      expect(state).toEqual(replay(entries));
      expect(state.records.size).toBe(entries.length);
      expect(state.records.get(history.length + 1)?.optOutId).toBe(breakGlass.optOutId);
      expect(state.records.get(history.length + 2)?.requestId).toBe(request.requestId);
    });
  });
});
