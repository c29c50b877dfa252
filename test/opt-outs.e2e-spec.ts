import { randomUUID } from 'node:crypto';
import { eventsOfType, waitForEvent } from './support/flows';
import { callAs, expectStatus, User, users } from './support/http';
import { optOutDeadlinePassed, publishAccessEvents } from './support/opt-out-events';
import { TestStack } from './support/stack';
import { waitFor } from './support/wait-for';

type Kind = 'break-glass' | 'standing-exceptions' | 'legacy-exemptions';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

const breakGlassBody = {
  resource: 'db:orders-prod',
  role: 'db-admin',
  duration: 'PT2H',
  justification: 'orders API returns 500s; the migration lock must be released',
  incident: 'INC-9001',
};
const standingBody = {
  resource: 'db:orders-prod',
  role: 'read-only',
  duration: 'P14D',
  justification: 'daily replication-lag checks during the cluster move',
  ticket: 'CHG-4410',
};
const legacyBody = {
  resource: 'app:mainframe-billing',
  role: 'operator',
  duration: 'P60D',
  justification: 'the batch scheduler has no per-job roles',
  owner: users.legacyOwner.id,
  compensatingControls: ['session recording', 'weekly log review by the owner'],
};

describe('opt-outs through the approvals service, with all five services running', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await TestStack.start({ name: 'opt-outs' });
  });

  afterAll(async () => {
    await stack?.close();
  });

  const ask = (user: User, kind: Kind, body: object, headers: Record<string, string> = {}) =>
    callAs(user, 'POST', `${stack.url('approvals')}/opt-outs/${kind}`, body, headers);

  const act = (user: User, optOutId: string, action: string, body: object = {}) =>
    callAs(user, 'POST', `${stack.url('approvals')}/opt-outs/${optOutId}/${action}`, body);

  const read = (path: string) =>
    callAs(users.auditor, 'GET', `${stack.url('approvals')}/opt-outs${path}`);

  async function activeStandingException(requester: User = users.seniorDba): Promise<string> {
    const asked = await ask(requester, 'standing-exceptions', standingBody);
    expectStatus(asked, 202);
    expectStatus(await act(users.securityLead, asked.body.optOutId, 'approve'), 200);
    return asked.body.optOutId;
  }

  async function activeBreakGlass(requester: User = users.onCallSre): Promise<string> {
    const asked = await ask(requester, 'break-glass', breakGlassBody);
    expectStatus(asked, 201);
    return asked.body.optOutId;
  }

  describe('refusals, each naming the rule that refused it, recorded on the topic', () => {
    const notOnCall = { ...users.onCallSre, attributes: { onCall: false } };
    const junior = { id: 'u-410', groups: ['dba'], attributes: { seniority: 'junior' } };
    const noAttributes = { id: 'u-411', groups: ['sre'] };

    it.each<[string, User, Kind, object, string, string]>([
      [
        'no rule covers the role',
        users.onCallSre,
        'break-glass',
        { ...breakGlassBody, role: 'owner' },
        'no-opt-out-rule',
        'optOuts.rules',
      ],
      [
        'the pci tag forbids a standing exception on a payments database',
        users.seniorDba,
        'standing-exceptions',
        { ...standingBody, resource: 'db:payments-prod' },
        'forbidden-by-compliance-tag',
        'compliance.pci',
      ],
      [
        'the requester is in none of the eligible groups',
        users.engineer,
        'break-glass',
        breakGlassBody,
        'not-eligible',
        'prod-break-glass.eligible.groups',
      ],
      [
        'the token says the requester is not on call',
        notOnCall,
        'break-glass',
        breakGlassBody,
        'attribute-not-met',
        'prod-break-glass.eligible.attributes.onCall',
      ],
      [
        'the token carries no attributes at all',
        noAttributes,
        'break-glass',
        breakGlassBody,
        'attribute-not-met',
        'prod-break-glass.eligible.attributes.onCall',
      ],
      [
        'the seniority is not one the rule accepts',
        junior,
        'standing-exceptions',
        standingBody,
        'attribute-not-met',
        'replication-debugging.eligible.attributes.seniority',
      ],
      [
        'break-glass without an incident',
        users.onCallSre,
        'break-glass',
        { ...breakGlassBody, incident: null },
        'incident-required',
        'prod-break-glass.incident',
      ],
      [
        'a standing exception without a ticket',
        users.seniorDba,
        'standing-exceptions',
        { ...standingBody, ticket: null },
        'ticket-required',
        'replication-debugging.requireTicket',
      ],
      [
        'a legacy exemption without an owner',
        users.mainframeOperator,
        'legacy-exemptions',
        { ...legacyBody, owner: null },
        'owner-required',
        'mainframe-legacy.owner',
      ],
      [
        'a legacy exemption owned by its own requester',
        users.mainframeOperator,
        'legacy-exemptions',
        { ...legacyBody, owner: users.mainframeOperator.id },
        'owner-is-requester',
        'mainframe-legacy.owner',
      ],
      [
        'a legacy exemption without compensating controls',
        users.mainframeOperator,
        'legacy-exemptions',
        { ...legacyBody, compensatingControls: [] },
        'compensating-controls-required',
        'mainframe-legacy.compensatingControls',
      ],
      [
        'a legacy exemption on a resource not flagged legacy',
        users.mainframeOperator,
        'legacy-exemptions',
        { ...legacyBody, resource: 'app:billing-batch' },
        'not-a-legacy-resource',
        'resources',
      ],
    ])('%s', async (_name, user, kind, body, reason, rule) => {
      const refused = await ask(user, kind, body);

      expectStatus(refused, 422);
      expect(refused.body).toMatchObject({
        error: reason,
        optOutId: expect.any(String),
        reason,
        rule,
        message: expect.any(String),
        maximumDuration: null,
      });
      const optOutId: string = refused.body.optOutId;
      const requested = await waitForEvent(stack, optOutId, 'OptOutRequested');
      const event = await waitForEvent(stack, optOutId, 'OptOutRefused');
      expect(requested.data).toMatchObject({ requester: { id: user.id } });
      expect(event).toMatchObject({ source: 'approvals', partitionKey: optOutId });
      expect(event.data).toMatchObject({ reason, rule, message: refused.body.message });
      expect((await read(`/${optOutId}`)).body).toMatchObject({
        status: 'refused',
        refusal: { reason, rule },
      });
    });

    it('refuses more than the maximum and names it', async () => {
      const refused = await ask(users.onCallSre, 'break-glass', {
        ...breakGlassBody,
        duration: 'PT5H',
      });

      expectStatus(refused, 422);
      expect(refused.body).toMatchObject({
        reason: 'duration-exceeds-maximum',
        rule: 'prod-break-glass.maxDuration',
        maximumDuration: 'PT4H',
      });
      const event = await waitForEvent(stack, refused.body.optOutId, 'OptOutRefused');
      expect(event.data).toMatchObject({ duration: 'PT5H', maximumDuration: 'PT4H' });
    });

    it('says in words why a pci resource never gets a standing exception', async () => {
      const refused = await ask(users.seniorDba, 'standing-exceptions', {
        ...standingBody,
        resource: 'db:payments-prod',
      });

      expect(refused.body.message).toBe(
        'db:payments-prod is tagged pci, which never allows a standing exception',
      );
    });

    it('answers 400, naming the field, for a duration it cannot read', async () => {
      const refused = await ask(users.onCallSre, 'break-glass', {
        ...breakGlassBody,
        duration: '2h',
      });

      expectStatus(refused, 400);
      expect(refused.body.problems).toEqual([{ field: 'duration', reason: expect.any(String) }]);
    });
  });

  describe('break-glass', () => {
    it('is active at once on a pci resource, with its review due two days after the end', async () => {
      const asked = await ask(users.onCallSre, 'break-glass', {
        ...breakGlassBody,
        resource: 'db:payments-prod',
      });

      expectStatus(asked, 201);
      const optOutId: string = asked.body.optOutId;
      const activated = await waitForEvent(stack, optOutId, 'OptOutActivated');
      const startsAt = Date.parse(activated.data.startsAt);
      expect(Date.parse(activated.data.endsAt) - startsAt).toBe(2 * HOUR_MS);
      expect(Date.parse(activated.data.reviewBy) - Date.parse(activated.data.endsAt)).toBe(
        2 * DAY_MS,
      );
      expect(activated.data).toMatchObject({
        kind: 'break-glass',
        subject: users.onCallSre.id,
        ruleId: 'prod-break-glass',
        incident: 'INC-9001',
        approvers: [],
      });
      expect(asked.body).toMatchObject({
        status: 'active',
        window: { startsAt: activated.data.startsAt, endsAt: activated.data.endsAt },
        review: { status: 'due' },
      });
    });

    it('is reviewed by a security lead, never by its subject, and only once', async () => {
      const optOutId = await activeBreakGlass();
      const review = { outcome: 'justified', notes: 'INC-9001 needed the lock released' };

      const bySubject = await act(users.onCallSre, optOutId, 'review', review);
      const byLead = await act(users.securityLead, optOutId, 'review', review);
      const again = await act(users.auditor, optOutId, 'review', review);

      expectStatus(bySubject, 403);
      expect(bySubject.body.error).toBe('self-review');
      expectStatus(byLead, 200);
      expect(byLead.body.review).toMatchObject({
        status: 'done',
        reviewer: users.securityLead.id,
        late: false,
      });
      expectStatus(again, 409);
      expect(again.body.error).toBe('already-reviewed');
      const reviewed = await waitForEvent(stack, optOutId, 'BreakGlassReviewed');
      expect(reviewed.data).toMatchObject({ reviewer: users.securityLead.id, late: false });
    });

    it('cannot be renewed: a new break-glass is needed', async () => {
      const optOutId = await activeBreakGlass();

      const renewed = await act(users.onCallSre, optOutId, 'renew', {
        duration: 'PT1H',
        attestation: 'still burning',
      });

      expectStatus(renewed, 409);
      expect(renewed.body.error).toBe('break-glass-not-renewable');
    });

    it('suspends the person at an overdue review until a lead reviews it', async () => {
      const person = { ...users.onCallSre, id: 'u-420' };
      const optOutId = await activeBreakGlass(person);
      const reviewBy = (await waitForEvent(stack, optOutId, 'OptOutActivated')).data.reviewBy;

      await publishAccessEvents(stack, [optOutDeadlinePassed(optOutId, 'review', reviewBy)]);
      await waitForEvent(stack, optOutId, 'BreakGlassEligibilitySuspended');
      const refused = await ask(person, 'break-glass', breakGlassBody);
      const eligibility = await read(`/eligibility/break-glass/${person.id}`);

      expect(eventsOfType(stack, 'BreakGlassReviewOverdue', optOutId)).toHaveLength(1);
      expectStatus(refused, 422);
      expect(refused.body).toMatchObject({
        reason: 'eligibility-suspended',
        rule: 'prod-break-glass.reviewWithin',
      });
      expect(eligibility.body).toMatchObject({
        subject: person.id,
        suspended: true,
        overdueReviews: [{ optOutId, reviewBy }],
      });

      expectStatus(
        await act(users.securityLead, optOutId, 'review', {
          outcome: 'unjustified',
          notes: 'late',
        }),
        200,
      );
      await waitForEvent(stack, optOutId, 'BreakGlassEligibilityRestored');
      expect((await read(`/eligibility/break-glass/${person.id}`)).body).toMatchObject({
        suspended: false,
        overdueReviews: [],
      });
      expectStatus(await ask(person, 'break-glass', breakGlassBody), 201);
    });
  });

  describe('standing exceptions', () => {
    it('waits for a security lead, then is active from the approval', async () => {
      const asked = await ask(users.seniorDba, 'standing-exceptions', standingBody);

      expectStatus(asked, 202);
      const optOutId: string = asked.body.optOutId;
      expect(asked.body).toMatchObject({
        status: 'pending',
        approval: { approverGroups: ['security-leads'], approvalsRequired: 1 },
      });
      const requested = await waitForEvent(stack, optOutId, 'OptOutRequested');
      expect(requested.data.approval).toEqual({
        approverGroups: ['security-leads'],
        approvalsRequired: 1,
      });

      const approved = await act(users.securityLead, optOutId, 'approve', { comment: 'ok' });

      expectStatus(approved, 200);
      expect(approved.body).toMatchObject({ status: 'active', lapseAfterUnused: 'P7D' });
      const activated = await waitForEvent(stack, optOutId, 'OptOutActivated');
      expect(activated.data).toMatchObject({
        approvers: [users.securityLead.id],
        lapseAfterUnused: 'P7D',
        ticket: 'CHG-4410',
      });
      expect(Date.parse(activated.data.endsAt) - Date.parse(activated.data.startsAt)).toBe(
        14 * DAY_MS,
      );
      expect(eventsOfType(stack, 'OptOutApprovalRecorded', optOutId)).toHaveLength(1);
    });

    it('cannot be approved by its requester, even one who is a security lead', async () => {
      const leadDba = { ...users.seniorDba, id: 'u-421', groups: ['dba', 'security-leads'] };
      const asked = await ask(leadDba, 'standing-exceptions', standingBody);

      const approved = await act(leadDba, asked.body.optOutId, 'approve');
      const byDba = await act(users.dbaOne, asked.body.optOutId, 'approve');

      expectStatus(approved, 403);
      expect(approved.body.error).toBe('self-approval');
      expectStatus(byDba, 403);
      expect(byDba.body.error).toBe('not-an-approver');
      expect((await read(`/${asked.body.optOutId}`)).body.status).toBe('pending');
    });

    it('is denied by a lead, after which it cannot be approved', async () => {
      const asked = await ask(users.seniorDba, 'standing-exceptions', standingBody);

      expectStatus(
        await act(users.securityLead, asked.body.optOutId, 'deny', { comment: 'no' }),
        200,
      );
      const late = await act(users.auditor, asked.body.optOutId, 'approve');

      expectStatus(late, 409);
      await waitForEvent(stack, asked.body.optOutId, 'OptOutDenied');
    });

    it('is renewed by its subject with an attestation, never past the maximum', async () => {
      const optOutId = await activeStandingException();

      const withoutAttestation = await act(users.seniorDba, optOutId, 'renew', {
        duration: 'P20D',
      });
      const tooLong = await act(users.seniorDba, optOutId, 'renew', {
        duration: 'P31D',
        attestation: 'still moving clusters',
      });
      const byOther = await act(users.securityLead, optOutId, 'renew', {
        duration: 'P20D',
        attestation: 'x',
      });
      const renewed = await act(users.seniorDba, optOutId, 'renew', {
        duration: 'P20D',
        attestation: 'still moving clusters',
      });

      expectStatus(withoutAttestation, 400);
      expect(withoutAttestation.body.problems).toEqual([
        { field: 'attestation', reason: 'is required' },
      ]);
      expectStatus(tooLong, 422);
      expect(tooLong.body).toMatchObject({
        error: 'duration-exceeds-maximum',
        rule: 'replication-debugging.maxDuration',
        maximumDuration: 'P30D',
      });
      expectStatus(byOther, 403);
      expectStatus(renewed, 200);
      const event = await waitForEvent(stack, optOutId, 'OptOutRenewed');
      expect(event.data).toMatchObject({
        renewedBy: users.seniorDba.id,
        attestation: 'still moving clusters',
        duration: 'P20D',
      });
      expect(Date.parse(event.data.endsAt) - Date.parse(event.data.renewedAt)).toBe(20 * DAY_MS);
      expect(renewed.body.renewals).toHaveLength(1);
      expect(eventsOfType(stack, 'OptOutRenewed', optOutId)).toHaveLength(1);
    });

    it('is renewed only with a fresh attestation, and no more often than its rule allows', async () => {
      const optOutId = await activeStandingException();
      const renew = (attestation: string) =>
        act(users.seniorDba, optOutId, 'renew', { duration: 'P14D', attestation });

      const justificationAgain = await renew(`  ${standingBody.justification.toUpperCase()} `);
      const first = await renew('week 2: the lag checks continue on the new cluster');
      const firstAgain = await renew('Week 2:   the lag checks continue on the NEW cluster');
      const second = await renew('week 4: the last shard moves on Friday');
      const third = await renew('week 6: one more shard, promised');

      expectStatus(justificationAgain, 422);
      expect(justificationAgain.body).toMatchObject({ error: 'attestation-not-fresh', optOutId });
      expectStatus(first, 200);
      expectStatus(firstAgain, 422);
      expect(firstAgain.body.error).toBe('attestation-not-fresh');
      expectStatus(second, 200);
      expect(second.body).toMatchObject({ maxRenewals: 2, renewals: [{}, {}] });
      expectStatus(third, 409);
      expect(third.body).toMatchObject({
        error: 'renewal-limit-reached',
        optOutId,
        rule: 'replication-debugging.maxRenewals',
        maxRenewals: 2,
      });
      await waitFor('two OptOutRenewed', () =>
        eventsOfType(stack, 'OptOutRenewed', optOutId).length === 2 ? true : undefined,
      );
      expect(
        eventsOfType(stack, 'OptOutRenewed', optOutId).map((event) => event.data.attestation),
      ).toEqual([
        'week 2: the lag checks continue on the new cluster',
        'week 4: the last shard moves on Friday',
      ]);
      expect((await read(`/${optOutId}`)).body.renewals).toHaveLength(2);
    });

    it('counts uses by its subject and by a usage reporter', async () => {
      const optOutId = await activeStandingException();
      const gateway = { id: 'pam-gateway-1', groups: ['pam-gateway'] };

      expectStatus(await act(users.seniorDba, optOutId, 'uses'), 200);
      const second = await act(gateway, optOutId, 'uses');
      const stranger = await act(users.engineer, optOutId, 'uses');

      expect(second.body).toMatchObject({ uses: 2, lastUsedAt: expect.any(String) });
      expectStatus(stranger, 403);
      await waitFor('two OptOutUsed', () =>
        eventsOfType(stack, 'OptOutUsed', optOutId).length === 2 ? true : undefined,
      );
    });

    it('is revoked by a security lead, once', async () => {
      const optOutId = await activeStandingException();

      const revoked = await act(users.securityLead, optOutId, 'revoke', { reason: 'move is done' });
      const again = await act(users.seniorDba, optOutId, 'revoke', { reason: 'again' });

      expectStatus(revoked, 200);
      expect(revoked.body).toMatchObject({
        status: 'revoked',
        ended: { reason: 'revoked', by: users.securityLead.id },
      });
      expectStatus(again, 409);
      expect(again.body.error).toBe('not-active');
      const event = await waitForEvent(stack, optOutId, 'OptOutRevoked');
      expect(event.data).toMatchObject({
        revokedBy: users.securityLead.id,
        reason: 'move is done',
      });
    });

    it('lapses when unused for its lapse period', async () => {
      const optOutId = await activeStandingException();
      const activated = await waitForEvent(stack, optOutId, 'OptOutActivated');
      const dueAt = new Date(Date.parse(activated.data.activatedAt) + 7 * DAY_MS).toISOString();

      await publishAccessEvents(stack, [optOutDeadlinePassed(optOutId, 'unused-lapse', dueAt)]);

      const lapsed = await waitForEvent(stack, optOutId, 'OptOutLapsed');
      expect(lapsed.data).toMatchObject({ uses: 0, lastUsedAt: null, unusedFor: 'P7D' });
      expect((await read(`/${optOutId}`)).body.status).toBe('lapsed');
    });
  });

  describe('legacy exemptions', () => {
    it('is active at once with a recertification date, and recertified by its owner', async () => {
      const asked = await ask(users.mainframeOperator, 'legacy-exemptions', legacyBody);

      expectStatus(asked, 201);
      const optOutId: string = asked.body.optOutId;
      const activated = await waitForEvent(stack, optOutId, 'OptOutActivated');
      expect(Date.parse(activated.data.endsAt) - Date.parse(activated.data.recertifyBy)).toBe(
        14 * DAY_MS,
      );
      expect(activated.data).toMatchObject({
        owner: users.legacyOwner.id,
        compensatingControls: legacyBody.compensatingControls,
      });

      const bySubject = await act(users.mainframeOperator, optOutId, 'renew', {
        duration: 'P90D',
        attestation: 'controls hold',
      });
      const byOwner = await act(users.legacyOwner, optOutId, 'renew', {
        duration: 'P90D',
        attestation: 'controls reviewed; still no per-job roles',
      });

      expectStatus(bySubject, 403);
      expectStatus(byOwner, 200);
      const renewed = await waitForEvent(stack, optOutId, 'OptOutRenewed');
      expect(Date.parse(renewed.data.endsAt) - Date.parse(renewed.data.recertifyBy)).toBe(
        14 * DAY_MS,
      );
    });

    it('is recertified by its owner no more often than its rule allows', async () => {
      const asked = await ask(users.mainframeOperator, 'legacy-exemptions', legacyBody);
      expectStatus(asked, 201);
      const optOutId: string = asked.body.optOutId;
      const recertify = (attestation: string) =>
        act(users.legacyOwner, optOutId, 'renew', { duration: 'P60D', attestation });

      const once = await recertify('controls reviewed in December; recordings checked');
      const twice = await recertify('controls reviewed in January; recordings checked');

      expectStatus(once, 200);
      expectStatus(twice, 409);
      expect(twice.body).toMatchObject({
        error: 'renewal-limit-reached',
        rule: 'mainframe-legacy.maxRenewals',
        maxRenewals: 1,
      });
      expect(twice.body.message).toContain('a new one must be asked for');
      await waitForEvent(stack, optOutId, 'OptOutRenewed');
      expect(eventsOfType(stack, 'OptOutRenewed', optOutId)).toHaveLength(1);
    });
  });

  describe('reading and retrying', () => {
    it('answers a retry under the same Idempotency-Key with the first opt-out', async () => {
      const key = { 'idempotency-key': randomUUID() };
      const person = { ...users.onCallSre, id: 'u-430' };

      const first = await ask(person, 'break-glass', breakGlassBody, key);
      const retry = await ask(person, 'break-glass', breakGlassBody, key);
      const different = await ask(
        person,
        'break-glass',
        { ...breakGlassBody, duration: 'PT1H' },
        key,
      );

      expectStatus(first, 201);
      expectStatus(retry, 200);
      expect(retry.body.optOutId).toBe(first.body.optOutId);
      expectStatus(different, 409);
      expect(different.body).toMatchObject({
        error: 'idempotency-key-reused',
        differences: ['duration'],
      });
      await waitForEvent(stack, first.body.optOutId, 'OptOutActivated');
      expect(eventsOfType(stack, 'OptOutRequested', first.body.optOutId)).toHaveLength(1);
    });

    it('lists opt-outs by status, kind and subject', async () => {
      const person = { ...users.seniorDba, id: 'u-431' };
      const pending = await ask(person, 'standing-exceptions', standingBody);

      const listed = await read(`?status=pending&kind=standing-exception&subject=${person.id}`);
      const active = await read(`?status=active&subject=${person.id}`);
      const bad = await read('?status=whatever');

      expect(listed.body.items.map((item: { optOutId: string }) => item.optOutId)).toEqual([
        pending.body.optOutId,
      ]);
      expect(active.body.items).toEqual([]);
      expectStatus(bad, 400);
    });

    it('answers 404 for an opt-out it does not know', async () => {
      const missing = await read(`/${randomUUID()}`);

      expectStatus(missing, 404);
      expect(missing.body.error).toBe('unknown-opt-out');
    });
  });

  it('publishes only events every consumer accepts: nothing was dead-lettered', async () => {
    await waitFor('the ledger to have appended the opt-out events', () =>
      stack.probe.on(stack.topics.auditRecords).length > 0 ? true : undefined,
    );

    expect(stack.probe.on(stack.topics.deadLetters)).toEqual([]);
  });
});
