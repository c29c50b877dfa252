import { DomainEvent, EventTypes } from '@app/contracts';
import { anEvent } from '../testing/ledger-event.builders';
import { chainOf } from '../testing/ledger-entry.builders';
import { ecsActionOf, ecsFieldsOf } from './ecs-mapping';

const context = { seq: 7, hash: 'a'.repeat(64), prevHash: 'b'.repeat(64), recordedAt: 'r' };

describe(ecsActionOf.name, () => {
  it('writes the event type in kebab case', () => {
    expect(ecsActionOf('GrantIssued')).toBe('grant-issued');
    expect(ecsActionOf('BreakGlassEligibilitySuspended')).toBe('break-glass-eligibility-suspended');
    expect(ecsActionOf('OptOutRequested')).toBe('opt-out-requested');
  });

  it('gives every event type its own action', () => {
    const actions = EventTypes.map(ecsActionOf);

    expect(new Set(actions).size).toBe(EventTypes.length);
  });
});

describe(ecsFieldsOf.name, () => {
  it.each(EventTypes)('maps %s to ECS fields a SIEM can index', (type) => {
    const event = anEvent(type) as DomainEvent;

    const fields = ecsFieldsOf(event, context);

    expect(fields['@timestamp']).toBe(event.time);
    expect(fields.ecs.version).toMatch(/^8\./);
    expect(fields.event).toMatchObject({
      category: ['iam'],
      action: ecsActionOf(type),
      id: event.id,
      sequence: 7,
      created: 'r',
      provider: event.source,
      hash: context.hash,
    });
    expect(['event', 'alert', 'pipeline_error']).toContain(fields.event.kind);
    expect(['success', 'failure', 'unknown']).toContain(fields.event.outcome);
    expect(fields.event.type.length).toBeGreaterThan(0);
    expect(fields.jit.event).toEqual(event);
    expect(fields.jit.ledger).toEqual({ seq: 7, hash: context.hash, prev_hash: context.prevHash });
    expect(fields.labels.correlation_id).toBe(event.correlationId);
    if (fields.user?.id) expect(fields.related.user).toContain(fields.user.id);
    if (fields.user?.target) expect(fields.related.user).toContain(fields.user.target.id);
  });

  it('names the requester as who acted and whose access, with their groups as roles', () => {
    const event = anEvent('AccessRequested', {
      requester: { id: 'u-101', groups: ['engineering'] },
      resource: 'db:orders-prod',
      role: 'read-only',
      justification: 'INC-1 data fix',
      ticket: 'INC-1',
    });

    const fields = ecsFieldsOf(event, context);

    expect(fields.event).toMatchObject({
      kind: 'event',
      type: ['creation'],
      outcome: 'success',
      reason: 'INC-1 data fix',
    });
    expect(fields.user).toEqual({
      id: 'u-101',
      name: 'u-101',
      roles: ['engineering'],
      target: { id: 'u-101', name: 'u-101' },
    });
    expect(fields.service).toEqual({ target: { name: 'db:orders-prod' } });
    expect(fields.jit).toMatchObject({
      resource: 'db:orders-prod',
      role: 'read-only',
      request_id: event.data.requestId,
    });
    expect(fields.labels).toMatchObject({ ticket: 'INC-1', channel: 'http' });
  });

  it('marks a refusal as denied with a failed outcome and no person acting', () => {
    const event = anEvent('AccessRequestRefused', { reason: 'not-eligible', message: 'no rule' });

    const fields = ecsFieldsOf(event, context);

    expect(fields.event).toMatchObject({
      type: ['creation', 'denied'],
      outcome: 'failure',
      reason: 'not-eligible: no rule',
    });
    expect(fields.user?.id).toBeUndefined();
    expect(fields.user?.target?.id).toBe(event.data.requester.id);
  });

  it('names the approvers of a grant among the related users and its window as start and end', () => {
    const event = anEvent('GrantIssued', { subject: 'u-101', approvers: ['u-202', 'u-203'] });

    const fields = ecsFieldsOf(event, context);

    expect(fields.event).toMatchObject({
      type: ['creation', 'allowed', 'start'],
      start: event.data.startsAt,
      end: event.data.endsAt,
    });
    expect(fields.related.user).toEqual(['u-101', 'u-202', 'u-203']);
    expect(fields.jit).toMatchObject({ grant_id: event.data.grantId });
  });

  it('names who revoked an opt-out and whose access ended', () => {
    const optOutId = '6f0e2c1e-8a8e-4f8e-9d55-0a3c2b7f1d10';
    const event = anEvent('OptOutRevoked', {
      optOutId,
      subject: 'u-401',
      revokedBy: 'u-191',
      reason: 'incident closed',
    });

    const fields = ecsFieldsOf(event, context);

    expect(fields.event).toMatchObject({
      action: 'opt-out-revoked',
      type: ['deletion', 'end'],
      reason: 'incident closed',
    });
    expect(fields.user).toMatchObject({ id: 'u-191', target: { id: 'u-401' } });
    expect(fields.jit).toMatchObject({ opt_out_id: optOutId, opt_out_kind: event.data.kind });
  });

  it('makes an anomaly an alert with its rule and a risk score out of 100', () => {
    const event = anEvent('AnomalyDetected', { rule: 'approval-too-fast', score: 0.875 });

    const fields = ecsFieldsOf(event, context);

    expect(fields.event).toMatchObject({ kind: 'alert', outcome: 'unknown', risk_score: 87.5 });
    expect(fields.rule).toEqual({
      id: 'approval-too-fast',
      name: 'approval-too-fast',
      ruleset: 'jit-anomalies',
    });
  });

  it('makes a dead-lettered record a pipeline error', () => {
    const event = anEvent('RecordDeadLettered', { reason: 'invalid-json', error: 'bad' });

    const fields = ecsFieldsOf(event, context);

    expect(fields.event).toMatchObject({
      kind: 'pipeline_error',
      type: ['error'],
      outcome: 'failure',
      reason: 'invalid-json: bad',
    });
  });

  it('leaves out what an event does not say rather than writing nulls', () => {
    const event = anEvent('ApprovalRecorded', { approver: 'u-202', comment: null });

    const fields = ecsFieldsOf(event, context);

    expect(fields.event).not.toHaveProperty('reason');
    expect(fields.user).toEqual({ id: 'u-202', name: 'u-202' });
    expect(fields).not.toHaveProperty('service');
    expect(fields.jit).not.toHaveProperty('resource');
  });

  it('maps an entry the same way every time', () => {
    const [entry] = chainOf([anEvent('GrantIssued')]).entries;
    const event = JSON.parse(entry!.payload) as Parameters<typeof ecsFieldsOf>[0];

    expect(ecsFieldsOf(event, entry!)).toEqual(ecsFieldsOf(event, entry!));
  });
});
