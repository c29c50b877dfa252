import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { DomainEvent } from '@app/contracts';
import { ManualClock } from '@app/domain';
import { TopicNames } from '@app/platform';
import {
  entryHash,
  LedgerConfig,
  LedgerModule,
  loadLedgerConfig,
  Queryable,
  verifyLedger,
} from '../apps/ledger/src';
import {
  aGrantedRequest,
  aGrantExpired,
  anAccessRequested,
  anAccessRequestRefused,
  aRecordDeadLettered,
  aRequestDeadlinePassed,
  minutesAfterBase,
} from '../apps/ledger/src/testing/ledger-event.builders';
import { testCheckpointKey } from './support/checkpoint-key';
import { callAs } from './support/http';
import { RunningService, startService } from './support/service-app';
import {
  createTestNamespace,
  testBrokers,
  TestNamespace,
  withDatabase,
} from './support/test-namespace';
import { testAuth } from './support/tokens';
import { TopicProbe } from './support/topic-probe';
import { sleep, waitFor } from './support/wait-for';

const auditor = { id: 'u-900', groups: ['auditors'] };
const engineer = { id: 'u-901', groups: ['engineering'] };
const WAIT_MS = 60000;

interface AuditRecordJson {
  seq: number;
  hash: string;
  prevHash: string;
  eventId: string;
  eventType: string;
  partitionKey: string;
  jit: { event: DomainEvent };
  payload: string;
}

function ledgerConfigFor(namespace: TestNamespace): LedgerConfig {
  return loadLedgerConfig({
    DATABASE_URL: namespace.databaseUrl,
    KAFKA_BROKERS: testBrokers.join(','),
    KAFKA_TOPIC_PREFIX: namespace.prefix,
    JWT_SECRET: testAuth.jwtSecret,
    JWT_ISSUER: testAuth.issuer,
    JWT_AUDIENCE: testAuth.audience,
    LOG_LEVEL: 'warn',
    LEDGER_CHECKPOINT_KEY: testCheckpointKey.privatePem,
  });
}

function asRecords(events: readonly DomainEvent[]) {
  return events.map((event) => ({ key: event.partitionKey, value: JSON.stringify(event) }));
}

async function storedEntries(databaseUrl: string) {
  return withDatabase(databaseUrl, async (client) => {
    const result = await client.query<{
      seq: string;
      event_id: string;
      event_type: string;
      payload: string;
      hash: string;
    }>('SELECT seq, event_id, event_type, payload, hash FROM ledger.ledger_entries ORDER BY seq');
    return result.rows.map((row) => ({ ...row, seq: Number(row.seq) }));
  });
}

function entryCount(databaseUrl: string): Promise<number> {
  return withDatabase(databaseUrl, async (client) => {
    const result = await client.query<{ count: string }>(
      'SELECT count(*) AS count FROM ledger.ledger_entries',
    );
    return Number(result.rows[0]!.count);
  });
}

function waitForEntries(databaseUrl: string, count: number): Promise<number> {
  return waitFor(
    `${count} ledger entries`,
    async () => {
      const found = await entryCount(databaseUrl);
      return found >= count ? found : undefined;
    },
    WAIT_MS,
  );
}

function projectionSnapshot(databaseUrl: string) {
  return withDatabase(databaseUrl, async (client) => {
    const rows = async (sql: string) => (await client.query(sql)).rows;
    return {
      currentGrants: await rows('SELECT * FROM ledger.current_grants ORDER BY grant_id'),
      grantHistory: await rows('SELECT * FROM ledger.grant_history ORDER BY grant_id'),
      auditTrail: await rows('SELECT * FROM ledger.audit_trail ORDER BY seq'),
      requestTargets: await rows('SELECT * FROM ledger.request_targets ORDER BY request_id'),
    };
  });
}

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, index) => from + index);

describe(LedgerModule.name, () => {
  describe('one instance', () => {
    const clock = new ManualClock(new Date(minutesAfterBase(5)));
    let namespace: TestNamespace;
    let topics: TopicNames;
    let service: RunningService;
    let probe: TopicProbe;

    // u-101 holds two overlapping grants of the same access; the first expires, the second stays.
    const first = aGrantedRequest({ subject: 'u-101', approver: 'u-202', durationMinutes: 60 });
    const second = aGrantedRequest({
      subject: 'u-101',
      approver: 'u-203',
      startMinute: 30,
      durationMinutes: 120,
    });
    const firstExpired = aGrantExpired(
      {
        grantId: first.grantId,
        requestId: first.requestId,
        endedAt: minutesAfterBase(60),
        coveringGrantIds: [second.grantId],
      },
      { time: minutesAfterBase(60) },
    );
    const refusedId = randomUUID();
    const refusedRequester = { id: 'u-303', groups: ['engineering'] };
    const refused = [
      anAccessRequested({
        requestId: refusedId,
        requester: refusedRequester,
        resource: 'k8s:payments',
      }),
      anAccessRequestRefused({
        requestId: refusedId,
        requester: refusedRequester,
        resource: 'k8s:payments',
      }),
    ];
    // More requests, so the events spread over many partitions.
    const others = range(1, 8).map((index) =>
      aGrantedRequest({
        subject: `u-4${index}`,
        resource: `app:service-${index}`,
        role: 'deployer',
      }),
    );
    const deadLetterNote = aRecordDeadLettered();
    const firstEvents = [...first.events, firstExpired];
    const valid: DomainEvent[] = [
      ...firstEvents,
      ...second.events,
      ...refused,
      ...others.flatMap((request) => request.events),
    ];
    const marker = aRequestDeadlinePassed({ requestId: first.requestId });
    // Every distinct event, plus the note the ledger writes of the poison record it dead-letters.
    const expectedCount = valid.length + 1 + 1 + 1;

    beforeAll(async () => {
      namespace = createTestNamespace('ledger');
      topics = new TopicNames(namespace.prefix);
      service = await startService(
        LedgerModule.forRoot(ledgerConfigFor(namespace), { clock }),
        'ledger',
      );
      probe = new TopicProbe();
      await probe.watch([topics.auditRecords]);
    });

    afterAll(async () => {
      await service?.close();
      await probe?.close();
      await namespace?.drop();
    });

    it('appends each event once, with gap-free seqs, whatever the duplicates', async () => {
      await probe.publish(topics.accessEvents, asRecords([...valid, first.events[0]!]));
      await probe.publish(topics.accessEvents, [{ key: 'poison', value: '{not json' }]);
      await probe.publish(topics.deadLetters, asRecords([deadLetterNote]));
      await waitForEntries(namespace.databaseUrl, expectedCount - 1);

      // Redelivered after they were appended; the marker behind them in their partition shows
      // they were handled.
      await probe.publish(
        topics.accessEvents,
        asRecords([first.events[0]!, first.events[4]!, marker]),
      );
      await waitForEntries(namespace.databaseUrl, expectedCount);
      await sleep(1000);

      const entries = await storedEntries(namespace.databaseUrl);
      expect(entries.map((entry) => entry.seq)).toEqual(range(1, expectedCount));
      const ids = entries.map((entry) => entry.event_id);
      expect(new Set(ids).size).toBe(expectedCount);
      for (const event of [...valid, deadLetterNote, marker]) expect(ids).toContain(event.id);

      const notes = entries
        .filter((entry) => entry.event_type === 'RecordDeadLettered')
        .map((entry) => JSON.parse(entry.payload) as DomainEvent & { type: 'RecordDeadLettered' });
      expect(notes).toHaveLength(2);
      expect(notes.map((note) => note.data)).toContainEqual(
        expect.objectContaining({
          consumerGroup: topics.consumerGroup('jit-ledger'),
          sourceTopic: topics.accessEvents,
          key: 'poison',
          value: '{not json',
          reason: 'invalid-json',
        }),
      );
    });

    it('keeps the events of one request in the order they were published', async () => {
      const entries = await storedEntries(namespace.databaseUrl);
      const order = entries.map((entry) => entry.event_id);

      const positions = [...firstEvents, marker].map((event) => order.indexOf(event.id));

      expect(positions).toEqual([...positions].sort((a, b) => a - b));
    });

    it('verifies the chain over HTTP', async () => {
      const verified = await callAs(auditor, 'GET', `${service.url}/ledger/verify`);

      expect(verified.status).toBe(200);
      expect(verified.body).toMatchObject({
        ok: true,
        entries: expectedCount,
        headSeq: expectedCount,
      });
    });

    it('shows the current grants: an expired grant leaves, the overlapping one stays', async () => {
      const result = await callAs(
        auditor,
        'GET',
        `${service.url}/grants?subject=u-101&resource=db:orders-prod`,
      );

      expect(result.status).toBe(200);
      expect(result.body.grants).toEqual([
        expect.objectContaining({
          grantId: second.grantId,
          requestId: second.requestId,
          approvers: ['u-203'],
          startsAt: minutesAfterBase(30),
          endsAt: minutesAfterBase(150),
        }),
      ]);
    });

    it('answers who had access to a resource at an instant, and who approved it', async () => {
      const at = (minute: number) =>
        callAs(
          auditor,
          'GET',
          `${service.url}/grants/at?resource=db:orders-prod&at=${minutesAfterBase(minute)}`,
        );

      const during = await at(45);
      const afterFirst = await at(75);
      const before = await at(-30);

      expect(during.status).toBe(200);
      expect(during.body.grants).toEqual([
        expect.objectContaining({
          grantId: first.grantId,
          subject: 'u-101',
          approvers: ['u-202'],
          endedAt: minutesAfterBase(60),
        }),
        expect.objectContaining({ grantId: second.grantId, approvers: ['u-203'], endedAt: null }),
      ]);
      expect(afterFirst.body.grants.map((grant: { grantId: string }) => grant.grantId)).toEqual([
        second.grantId,
      ]);
      expect(before.body.grants).toEqual([]);
    });

    it('publishes every entry once, in seq order, with hashes a SIEM can re-verify', async () => {
      await probe.waitForCount(topics.auditRecords, () => true, expectedCount, WAIT_MS);
      await sleep(500);

      const records = probe.on(topics.auditRecords);
      const values = records.map((record) => record.json as AuditRecordJson);
      expect(values.map((value) => value.seq)).toEqual(range(1, expectedCount));
      values.forEach((value, index) => {
        expect(records[index]!.key).toBe(value.partitionKey);
        expect(entryHash(value.prevHash, value.seq, value.payload)).toBe(value.hash);
        expect(JSON.parse(value.payload)).toEqual(value.jit.event);
        expect(value.eventId).toBe(value.jit.event.id);
        if (index > 0) expect(value.prevHash).toBe(values[index - 1]!.hash);
      });
    });

    it('tells the story of a request in the audit trail', async () => {
      const result = await callAs(
        auditor,
        'GET',
        `${service.url}/audit?requestId=${first.requestId}`,
      );

      expect(result.status).toBe(200);
      const summaries = result.body.records.map((record: { summary: string }) => record.summary);
      expect(summaries).toHaveLength(firstEvents.length + 1);
      expect(summaries).toContain(
        `u-202 approved request ${first.requestId} for u-101 (db-admin on db:orders-prod), 1 of 1`,
      );
      expect(result.body.records[2]).toMatchObject({ actor: 'u-202', subject: 'u-101' });
    });

    it('pages through raw entries and the audit trail', async () => {
      const page = await callAs(auditor, 'GET', `${service.url}/ledger/entries?afterSeq=2&limit=3`);
      const trail = await callAs(auditor, 'GET', `${service.url}/audit?subject=u-303&limit=1`);

      expect(page.body.entries.map((entry: { seq: number }) => entry.seq)).toEqual([3, 4, 5]);
      expect(page.body.nextAfterSeq).toBe(5);
      expect(trail.body.records).toHaveLength(1);
      expect(trail.body.records[0].summary).toContain('u-303 requested db-admin on k8s:payments');
    });

    it('lets only authenticated members of the reader groups in, and validates queries', async () => {
      const anonymous = await callAs(null, 'GET', `${service.url}/grants`);
      const outsider = await callAs(engineer, 'GET', `${service.url}/audit`);
      const badInstant = await callAs(
        auditor,
        'GET',
        `${service.url}/grants/at?resource=db:orders-prod&at=yesterday`,
      );
      const tooMany = await callAs(auditor, 'GET', `${service.url}/audit?limit=5000`);

      expect(anonymous.status).toBe(401);
      expect(outsider.status).toBe(403);
      expect(outsider.body.error).toBe('not-a-ledger-reader');
      expect(badInstant.status).toBe(400);
      expect(badInstant.body.problems).toEqual([expect.objectContaining({ field: 'at' })]);
      expect(tooMany.status).toBe(400);
    });

    it('refuses to change or remove ledger entries, in the database itself', async () => {
      await withDatabase(namespace.databaseUrl, async (client) => {
        await expect(
          client.query(`UPDATE ledger.ledger_entries SET event_type = 'X' WHERE seq = 1`),
        ).rejects.toThrow(/append-only/);
        await expect(
          client.query('DELETE FROM ledger.ledger_entries WHERE seq = 1'),
        ).rejects.toThrow(/append-only/);
        await expect(client.query('TRUNCATE ledger.ledger_entries')).rejects.toThrow(/append-only/);
      });
    });

    it('rebuilds the projections from the ledger to exactly the same state', async () => {
      const before = await projectionSnapshot(namespace.databaseUrl);

      const rebuilt = await callAs(auditor, 'POST', `${service.url}/ledger/projections/rebuild`);

      expect(rebuilt.status).toBe(200);
      expect(rebuilt.body).toEqual({ replayed: expectedCount, headSeq: expectedCount });
      expect(await projectionSnapshot(namespace.databaseUrl)).toEqual(before);
      expect(before.auditTrail).toHaveLength(expectedCount);
    });

    it('finds the first tampered entry, over HTTP and with the verify function', async () => {
      await withDatabase(namespace.databaseUrl, async (client) => {
        await client.query(
          'ALTER TABLE ledger.ledger_entries DISABLE TRIGGER ledger_entries_append_only',
        );
        await client.query(
          `UPDATE ledger.ledger_entries SET payload = replace(payload, 'u-101', 'u-666') WHERE seq = (
             SELECT min(seq) FROM ledger.ledger_entries WHERE payload LIKE '%u-101%')`,
        );
        await client.query(
          'ALTER TABLE ledger.ledger_entries ENABLE TRIGGER ledger_entries_append_only',
        );
      });
      const tampered = await withDatabase(namespace.databaseUrl, async (client) => {
        const result = await client.query<{ seq: string }>(
          `SELECT seq FROM ledger.ledger_entries WHERE payload LIKE '%u-666%' ORDER BY seq LIMIT 1`,
        );
        return Number(result.rows[0]!.seq);
      });

      const overHttp = await callAs(auditor, 'GET', `${service.url}/ledger/verify`);
      const direct = await withDatabase(namespace.databaseUrl, (client: Client) =>
        verifyLedger(pgQueryable(client)),
      );

      expect(overHttp.body).toMatchObject({
        ok: false,
        brokenSeq: tampered,
        reason: 'hash-mismatch',
      });
      expect(direct).toEqual(overHttp.body);
    });
  });

  describe('two instances in one consumer group', () => {
    let namespace: TestNamespace;
    let topics: TopicNames;
    let instances: RunningService[] = [];
    let probe: TopicProbe;

    beforeAll(async () => {
      namespace = createTestNamespace('ledger-pair');
      topics = new TopicNames(namespace.prefix);
      const config = ledgerConfigFor(namespace);
      instances = await Promise.all([
        startService(LedgerModule.forRoot(config), 'ledger'),
        startService(LedgerModule.forRoot(config), 'ledger'),
      ]);
      probe = new TopicProbe();
      await probe.watch([topics.auditRecords]);
      await waitForGroupMembers(topics.consumerGroup('jit-ledger'), 2);
    });

    afterAll(async () => {
      await Promise.all(instances.map((instance) => instance.close()));
      await probe?.close();
      await namespace?.drop();
    });

    it('produce one gap-free chain, also across a rebalance with redelivered events', async () => {
      const before = range(1, 60).flatMap(
        (index) =>
          aGrantedRequest({ subject: `u-5${index}`, resource: `app:pair-${index}` }).events,
      );
      const after = range(1, 60).flatMap(
        (index) =>
          aGrantedRequest({ subject: `u-6${index}`, resource: `app:pair-${index}` }).events,
      );
      await probe.publish(topics.accessEvents, asRecords(before));
      await waitForEntries(namespace.databaseUrl, 50);

      // One instance leaves; the other takes its partitions over and is sent some events again.
      await instances.pop()!.close();
      await probe.publish(topics.accessEvents, asRecords([...before.slice(0, 100), ...after]));
      const total = before.length + after.length;
      await waitForEntries(namespace.databaseUrl, total);
      await sleep(1000);

      const entries = await storedEntries(namespace.databaseUrl);
      expect(entries.map((entry) => entry.seq)).toEqual(range(1, total));
      expect(new Set(entries.map((entry) => entry.event_id)).size).toBe(total);
      const verified = await callAs(auditor, 'GET', `${instances[0]!.url}/ledger/verify`);
      expect(verified.body).toMatchObject({ ok: true, entries: total, headSeq: total });

      await probe.waitForCount(topics.auditRecords, () => true, total, WAIT_MS);
      const seqs = probe
        .on(topics.auditRecords)
        .map((record) => (record.json as AuditRecordJson).seq);
      expect(seqs).toEqual(range(1, total));
    });
  });
});

function pgQueryable(client: Client): Queryable {
  return { query: async (sql, parameters) => (await client.query(sql, parameters)).rows };
}

async function waitForGroupMembers(groupId: string, members: number): Promise<void> {
  const kafka = new Kafka({
    clientId: 'ledger-test-admin',
    brokers: testBrokers,
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await waitFor(
      `${members} members in ${groupId}`,
      async () => {
        const { groups } = await admin.describeGroups([groupId]);
        const group = groups[0];
        return group?.state === 'Stable' && group.members.length === members;
      },
      WAIT_MS,
      250,
    );
  } finally {
    await admin.disconnect();
  }
}
