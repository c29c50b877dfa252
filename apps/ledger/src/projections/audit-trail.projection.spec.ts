import { entriesOf } from '../testing/ledger-entry.builders';
import {
  aGrantedRequest,
  aGrantExpired,
  anAccessRequestRefused,
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
  requestsNeedingTargets,
  RequestTarget,
} from './audit-trail.projection';
import { ProjectedEntry } from './projected-entry';

function replay(entries: readonly ProjectedEntry[], state = EMPTY_AUDIT_TRAIL): AuditTrailState {
  return applyAuditTrailChanges(state, auditTrailChanges(entries, state.targets));
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

    const changes = auditTrailChanges(entriesOf(events.slice(2, 3)), known);

    expect(changes).toEqual([
      { kind: 'record-appended', record: expect.objectContaining({ subject: 'u-999' }) },
    ]);
  });
});
