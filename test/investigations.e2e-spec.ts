import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { DomainEvent } from '@app/contracts';
import { SystemClock } from '@app/domain';
import { createServiceDataSource, prepareDatabase } from '@app/persistence';
import { LedgerAppendService } from '../apps/ledger/src/append/ledger-append.service';
import { LedgerEntriesRepository } from '../apps/ledger/src/append/ledger-entries.repository';
import { LifeKind } from '../apps/ledger/src/investigations/investigation-questions';
import {
  LiveInvestigations,
  ReplayedInvestigations,
} from '../apps/ledger/src/investigations/investigation.queries';
import { ledgerMigrations } from '../apps/ledger/src/migrations';
import { ProjectionApplier } from '../apps/ledger/src/projections/projection.applier';
import { replayLedger } from '../apps/ledger/src/replay/ledger-replay';
import { REPLAY_TABLES, replayIntoSchema } from '../apps/ledger/src/replay/replay-schema';
import {
  aGrantedRequest,
  aGrantExpired,
  anAccessRevoked,
  anActivatedOptOut,
  anEvent,
  minutesAfterBase,
} from '../apps/ledger/src/testing/ledger-event.builders';
import { CliIo, EXIT, runLedgerCli } from '../scripts/ledger-cli';
import { TestStack } from './support/stack';
import { createTestNamespace, TestNamespace, withDatabase } from './support/test-namespace';
import { waitForDetection } from './support/ledger-queries';
import { sleep, waitFor } from './support/wait-for';

const RESOURCES = ['db:orders-prod', 'db:payments-prod', 'console:aws-prod'];
const ROLES = ['read-only', 'db-admin'];
const SUBJECTS = ['u-1', 'u-2', 'u-3', 'u-4', 'u-5'];

/** A small deterministic PRNG, so a failing history can be generated again from its seed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Window {
  id: string;
  subject: string;
  resource: string;
  role: string;
  start: number;
  end: number;
}

interface GeneratedHistory {
  events: DomainEvent[];
  requestIds: string[];
  grantIds: string[];
  optOutIds: string[];
  /** An opt-out revoked well before its scheduled end, and the minute it was revoked at. */
  revoked: { optOutId: string; resource: string; subject: string; revokedMinute: number }[];
}

/**
 * Many overlapping grants and opt-outs of a few people on a few resources: grants that expire
 * while another covers the same access (no revocation), or last; opt-outs renewed, revoked,
 * lapsed, expired or still open. Events are in the order of their times.
 */
function generateHistory(seed: number): GeneratedHistory {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const minute = (from: number, to: number) => from + Math.floor(random() * (to - from));
  const timed: { at: number; order: number; event: DomainEvent }[] = [];
  const push = (at: number, event: DomainEvent) => timed.push({ at, order: timed.length, event });
  const windows: Window[] = [];
  const history: GeneratedHistory = {
    events: [],
    requestIds: [],
    grantIds: [],
    optOutIds: [],
    revoked: [],
  };

  for (let index = 0; index < 70; index += 1) {
    const start = minute(0, 600);
    const duration = minute(15, 180);
    const request = aGrantedRequest({
      subject: pick(SUBJECTS),
      resource: pick(RESOURCES),
      role: pick(ROLES),
      approver: pick(['u-202', 'u-203', 'u-204']),
      startMinute: start,
      durationMinutes: duration,
    });
    const issued = request.events[4] as Extract<DomainEvent, { type: 'GrantIssued' }>;
    request.events.forEach((event, position) => push(start + (position < 2 ? -2 : 0), event));
    history.requestIds.push(request.requestId);
    history.grantIds.push(request.grantId);
    const window = {
      id: request.grantId,
      subject: issued.data.subject,
      resource: issued.data.resource,
      role: issued.data.role,
      start,
      end: start + duration,
    };
    windows.push(window);
    if (random() < 0.75) endGrant(window, request.requestId);
  }

  function endGrant(window: Window, requestId: string): void {
    const covering = windows
      .filter(
        (other) =>
          other.id !== window.id &&
          other.subject === window.subject &&
          other.resource === window.resource &&
          other.role === window.role &&
          other.start <= window.end &&
          window.end < other.end,
      )
      .map((other) => other.id);
    const endedAt = minutesAfterBase(window.end);
    push(
      window.end,
      aGrantExpired(
        { grantId: window.id, requestId, endedAt, coveringGrantIds: covering },
        { time: endedAt },
      ),
    );
    if (covering.length === 0) {
      push(
        window.end,
        anAccessRevoked(
          {
            subject: window.subject,
            resource: window.resource,
            role: window.role,
            lastGrantId: window.id,
            requestId,
            revokedAt: endedAt,
            reason: 'expired',
          },
          { time: endedAt },
        ),
      );
    }
  }

  for (let index = 0; index < 30; index += 1) {
    const start = minute(0, 600);
    const duration = minute(30, 240);
    const kind = pick(['break-glass', 'standing-exception', 'legacy-exemption'] as const);
    const subject = pick(SUBJECTS);
    const resource = pick(RESOURCES);
    const role = pick(ROLES);
    const optOut = anActivatedOptOut({
      kind,
      subject,
      resource,
      role,
      startMinute: start,
      durationMinutes: duration,
      approvers: kind === 'break-glass' ? [] : [pick(['u-190', 'u-191'])],
    });
    optOut.events.forEach((event) => push(start, event));
    history.optOutIds.push(optOut.optOutId);
    const access = { optOutId: optOut.optOutId, kind, subject, resource, role };
    let end = start + duration;
    if (kind !== 'break-glass' && random() < 0.4) {
      const renewedAt = start + Math.floor(duration / 2);
      push(
        renewedAt,
        anEvent(
          'OptOutRenewed',
          {
            ...access,
            renewedBy: subject,
            attestation: `still needed (${index})`,
            previousEndsAt: minutesAfterBase(end),
            endsAt: minutesAfterBase(end + 60),
            renewedAt: minutesAfterBase(renewedAt),
          },
          { time: minutesAfterBase(renewedAt) },
        ),
      );
      end += 60;
    }
    const ending = random();
    if (ending < 0.3) {
      const revokedMinute = start + Math.floor((end - start) / 3);
      const at = minutesAfterBase(revokedMinute);
      push(
        revokedMinute,
        anEvent(
          'OptOutRevoked',
          { ...access, revokedBy: 'u-191', reason: `revoked (${index})`, revokedAt: at },
          { time: at },
        ),
      );
      history.revoked.push({ optOutId: optOut.optOutId, resource, subject, revokedMinute });
    } else if (ending < 0.45 && kind === 'standing-exception') {
      const lapsedMinute = start + Math.floor((end - start) / 2);
      const at = minutesAfterBase(lapsedMinute);
      push(
        lapsedMinute,
        anEvent(
          'OptOutLapsed',
          { ...access, uses: 0, lastUsedAt: null, unusedFor: 'P7D', lapsedAt: at },
          { time: at },
        ),
      );
    } else if (ending < 0.8) {
      const at = minutesAfterBase(end);
      push(
        end,
        anEvent('OptOutExpired', { ...access, endedAt: at, coveringGrantIds: [] }, { time: at }),
      );
    }
  }

  timed.sort((a, b) => a.at - b.at || a.order - b.order);
  history.events = timed.map((item) => item.event);
  return history;
}

/** A CLI run in this process, with what it printed. */
async function cli(env: NodeJS.ProcessEnv, ...argv: string[]) {
  const output = { out: '', err: '' };
  const io: CliIo = {
    out: (text) => (output.out += text),
    err: (text) => (output.err += text),
    env,
  };
  const code = await runLedgerCli(argv, io);
  return { code, ...output, json: () => JSON.parse(output.out) as unknown };
}

async function tableRows(databaseUrl: string, schema: string) {
  return withDatabase(databaseUrl, async (client) => {
    const tables: Record<string, unknown[]> = {};
    for (const table of REPLAY_TABLES) {
      const { rows } = await client.query(`SELECT * FROM ${schema}.${table} ORDER BY 1`);
      tables[table] = rows;
    }
    return tables;
  });
}

describe('investigations', () => {
  describe('over a generated history', () => {
    const seed = 20261203;
    const history = generateHistory(seed);
    let namespace: TestNamespace;
    let dataSource: DataSource;
    let env: NodeJS.ProcessEnv;

    beforeAll(async () => {
      namespace = createTestNamespace('investigations');
      env = { DATABASE_URL: namespace.databaseUrl };
      dataSource = createServiceDataSource({
        url: namespace.databaseUrl,
        schema: 'ledger',
        migrations: ledgerMigrations,
        poolSize: 2,
        applicationName: 'jit-investigations-test',
      });
      await prepareDatabase(dataSource, namespace.databaseUrl, 'ledger');
      const appender = new LedgerAppendService(
        dataSource,
        new LedgerEntriesRepository(),
        new ProjectionApplier(),
        new SystemClock(),
      );
      // Batches of every size, so the live projections' set-based net changes are exercised.
      const random = seededRandom(seed + 1);
      for (let offset = 0; offset < history.events.length;) {
        const size = 1 + Math.floor(random() * 40);
        await appender.append(history.events.slice(offset, offset + size));
        offset += size;
      }
    });

    afterAll(async () => {
      await dataSource?.destroy();
      await namespace?.drop();
    });

    it('answers every question from the live tables as a full re-fold of the ledger does', async () => {
      const covered = history.events.filter(
        (event) => event.type === 'GrantExpired' && event.data.coveringGrantIds.length > 0,
      );
      expect(covered.length).toBeGreaterThan(3);
      expect(history.revoked.length).toBeGreaterThan(0);
      const live = new LiveInvestigations(dataSource);
      const replayed = new ReplayedInvestigations((await replayLedger(dataSource)).state);

      for (const resource of RESOURCES) {
        for (let minute = -10; minute <= 900; minute += 17) {
          const query = { resource, at: minutesAfterBase(minute) };
          expect(await live.whoHadAccess(query)).toEqual(await replayed.whoHadAccess(query));
        }
      }
      for (const subject of SUBJECTS) {
        for (let minute = 0; minute <= 900; minute += 90) {
          const query = {
            subject,
            from: minutesAfterBase(minute),
            to: minutesAfterBase(minute + 150),
          };
          expect(await live.heldBySubject(query)).toEqual(await replayed.heldBySubject(query));
        }
      }
      const lives: [LifeKind, string][] = [
        ...history.requestIds.map((id): [LifeKind, string] => ['request', id]),
        ...history.grantIds.map((id): [LifeKind, string] => ['grant', id]),
        ...history.optOutIds.map((id): [LifeKind, string] => ['opt-out', id]),
        ...history.optOutIds.map((id): [LifeKind, string] => ['grant', id]),
      ];
      for (const [kind, id] of lives) {
        const answer = await live.lifeOf({ kind, id });
        expect(answer).not.toBeNull();
        expect(answer).toEqual(await replayed.lifeOf({ kind, id }));
      }
    });

    it('replays into a schema of its own that equals the live projections row for row', async () => {
      const replay = await cli(env, 'replay', '--schema', 'generated', '--format', 'json');

      expect(replay.code).toBe(EXIT.ok);
      expect(replay.json()).toMatchObject({
        schema: 'ledger_replay_generated',
        replayed: history.events.length,
        lastSeq: history.events.length,
        headSeq: history.events.length,
        verified: true,
      });
      expect(replay.err).toMatch(/"msg":"replay progress"/);
      expect(await tableRows(namespace.databaseUrl, 'ledger_replay_generated')).toEqual(
        await tableRows(namespace.databaseUrl, 'ledger'),
      );

      const again = await cli(env, 'replay', '--schema', 'generated');
      expect(again.code).toBe(EXIT.refused);
      const dropped = await cli(env, 'drop-replay', '--schema', 'generated');
      expect(dropped.code).toBe(EXIT.ok);
    });

    it('replays in memory up to a seq and answers who had access as the ledger knew it then', async () => {
      const { optOutId, resource, subject, revokedMinute } = history.revoked[0]!;
      const revokedSeq = await withDatabase(namespace.databaseUrl, async (client) => {
        const { rows } = await client.query<{ seq: string }>(
          `SELECT seq FROM ledger.ledger_entries
           WHERE event_type = 'OptOutRevoked' AND payload LIKE '%' || $1 || '%'`,
          [optOutId],
        );
        return Number(rows[0]!.seq);
      });
      const ask = (...source: string[]) =>
        cli(
          env,
          'who-had',
          '--resource',
          resource,
          '--subject',
          subject,
          '--at',
          minutesAfterBase(revokedMinute + 1),
          '--format',
          'json',
          ...source,
        );
      const holdsThrough = (answer: unknown) =>
        (answer as { holders: { through: { grantId: string }[] }[] }).holders.flatMap((holder) =>
          holder.through.map((grant) => grant.grantId),
        );

      const before = await ask('--to-seq', String(revokedSeq - 1));
      const now = await ask();

      expect(before.code).toBe(EXIT.ok);
      expect(holdsThrough(before.json())).toContain(optOutId);
      expect(holdsThrough(now.json())).not.toContain(optOutId);
    });

    it('verifies, tells lives and refuses what it must, with its exit codes', async () => {
      const verify = await cli(env, 'verify', '--format', 'json');
      const history = await cli(env, 'history', '--request', randomUUID());
      const usage = await cli(env, 'history');
      const unconfirmed = await cli(env, 'replay', '--rebuild');
      const beyond = await cli(env, 'replay', '--to-seq', '999999');
      const csv = await cli(
        env,
        'held',
        '--subject',
        'u-1',
        '--from',
        minutesAfterBase(0),
        '--to',
        minutesAfterBase(900),
        '--format',
        'csv',
      );

      const impossibleDay = await cli(
        env,
        'who-had',
        '--resource',
        'db:x',
        '--at',
        '2026-02-30T10:00:00Z',
      );
      const noZone = await cli(env, 'who-had', '--resource', 'db:x', '--at', '2026-12-03 20:39:50');
      const noSchema = await cli(
        env,
        'who-had',
        '--resource',
        'db:x',
        '--at',
        minutesAfterBase(10),
        '--schema',
        'nosuch',
      );
      const noneHeld = await cli(
        env,
        'who-had',
        '--resource',
        'db:nobody-asked-for',
        '--at',
        minutesAfterBase(10),
        '--format',
        'csv',
      );

      expect(verify.code).toBe(EXIT.ok);
      expect(verify.json()).toMatchObject({ ok: true, signaturesChecked: false });
      expect(verify.err).toContain('checkpoint signatures NOT checked');
      expect(impossibleDay.code).toBe(EXIT.usage);
      expect(impossibleDay.err).toContain('ISO-8601 UTC instant');
      expect(noZone.code).toBe(EXIT.usage);
      expect(noSchema.code).toBe(EXIT.refused);
      expect(noSchema.err).toContain('there is no replay schema ledger_replay_nosuch');
      expect(noneHeld.code).toBe(EXIT.ok);
      expect(noneHeld.out).toBe(
        'subject,role,since,until,through,kind,approvedBy,policy,startsAt,endsAt,endedAt\n',
      );
      expect(history.code).toBe(EXIT.notFound);
      expect(usage.code).toBe(EXIT.usage);
      expect(unconfirmed.code).toBe(EXIT.refused);
      expect(beyond.code).toBe(EXIT.refused);
      expect(csv.code).toBe(EXIT.ok);
      expect(csv.out.split('\n')[0]).toBe(
        'resource,role,periods,through,kind,approvedBy,startsAt,endsAt,endedAt',
      );
    });

    it('rebuilds the live projections on confirmation, to the same rows', async () => {
      const before = await tableRows(namespace.databaseUrl, 'ledger');

      const rebuilt = await cli(env, 'replay', '--rebuild', '--yes', '--format', 'json');

      expect(rebuilt.code).toBe(EXIT.ok);
      expect(await tableRows(namespace.databaseUrl, 'ledger')).toEqual(before);
    });

    it('answers the same from a replay schema cut at a seq as from memory', async () => {
      const toSeq = Math.floor(history.events.length / 2);
      await withDatabase(namespace.databaseUrl, async (client) => {
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
        await replayIntoSchema(
          { query: async (sql, params) => (await client.query(sql, params)).rows },
          'half',
          { toSeq },
        );
        await client.query('COMMIT');
      });
      const args = ['--resource', RESOURCES[0]!, '--at', minutesAfterBase(300), '--format', 'json'];

      const fromSchema = await cli(env, 'who-had', ...args, '--schema', 'half');
      const fromMemory = await cli(env, 'who-had', ...args, '--to-seq', String(toSeq));

      expect(fromSchema.json()).toEqual(fromMemory.json());
      await cli(env, 'drop-replay', '--schema', 'half');
    });
  });

  describe('against a running ledger', () => {
    let stack: TestStack;
    let env: NodeJS.ProcessEnv;
    const granted = Array.from({ length: 4 }, (_, index) =>
      aGrantedRequest({ subject: `u-6${index}`, startMinute: index * 10 }),
    );
    const events = granted.flatMap((request) => request.events);

    beforeAll(async () => {
      stack = await TestStack.start({ name: 'investigations', services: ['ledger'] });
      env = {
        DATABASE_URL: stack.namespace.databaseUrl,
        KAFKA_BROKERS: '127.0.0.1:9092',
        KAFKA_TOPIC_PREFIX: stack.topics.prefix,
      };
      await stack.probe.publish(
        stack.topics.accessEvents,
        events.map((event) => ({ key: event.partitionKey, value: JSON.stringify(event) })),
      );
      await stack.probe.waitForCount(stack.topics.auditRecords, () => true, events.length, 60000);
      await waitForDetection(stack, events.length);
    });

    afterAll(async () => {
      await stack?.close();
    });

    it('replays, answers and tails without emitting, revoking or publishing anything', async () => {
      // Whatever the ledger still had to publish has gone out before the snapshot.
      await sleep(1500);
      const seenBefore = stack.probe.records.length;
      const stateBefore = await ledgerSideEffects(stack.namespace.databaseUrl);

      const inMemory = await cli(env, 'replay', '--format', 'json');
      const intoSchema = await cli(env, 'replay', '--schema', 'probe');
      const who = await cli(
        env,
        'who-had',
        '--resource',
        'db:orders-prod',
        '--at',
        minutesAfterBase(5),
        '--replay',
      );
      const life = await cli(env, 'history', '--grant', granted[0]!.grantId, '--format', 'json');
      const verify = await cli(env, 'verify');
      const tail = await cli(
        env,
        'tail',
        '--from-beginning',
        '--limit',
        String(events.length),
        '--timeout',
        '30000',
        '--format',
        'json',
      );
      await sleep(1500);

      expect([inMemory.code, intoSchema.code, who.code, life.code, verify.code, tail.code]).toEqual(
        [0, 0, 0, 0, 0, 0],
      );
      expect(inMemory.json()).toMatchObject({ replayed: events.length, verified: true });
      expect(who.out).toContain('u-60');
      expect((life.json() as { steps: unknown[] }).steps).toHaveLength(5);
      expect(verify.out).toContain('true');
      const tailed = tail.out
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { seq: number });
      expect(tailed.map((record) => record.seq)).toEqual(events.map((_, index) => index + 1));
      expect(stack.probe.records.length).toBe(seenBefore);
      expect(await ledgerSideEffects(stack.namespace.databaseUrl)).toEqual(stateBefore);
      await cli(env, 'drop-replay', '--schema', 'probe');
    });

    it('stops tailing quietly when its reader goes away, as `| head -c` does', async () => {
      const tail = await tailIntoClosingPipe(env, 300, [
        'tail',
        '--from-beginning',
        '--timeout',
        '30000',
        '--format',
        'json',
      ]);

      expect(tail.code).toBe(EXIT.ok);
      expect(tail.err).toBe('');
      expect(tail.elapsedMs).toBeLessThan(20000);
    });
  });
});

/** A CLI run whose stdout fails with EPIPE once `bytes` were written, like a pipe into `head`. */
async function tailIntoClosingPipe(env: NodeJS.ProcessEnv, bytes: number, argv: string[]) {
  const output = { out: '', err: '' };
  const listeners: ((error: NodeJS.ErrnoException) => void)[] = [];
  const io: CliIo = {
    out: (text) => {
      if (output.out.length >= bytes) {
        const error: NodeJS.ErrnoException = Object.assign(new Error('write EPIPE'), {
          code: 'EPIPE',
        });
        setImmediate(() => listeners.forEach((listener) => listener(error)));
        return;
      }
      output.out += text;
    },
    err: (text) => (output.err += text),
    env,
    onOutError: (listener) => {
      listeners.push(listener);
      return () => listeners.splice(listeners.indexOf(listener), 1);
    },
  };
  const startedAt = Date.now();
  const code = await runLedgerCli(argv, io);
  return { code, ...output, elapsedMs: Date.now() - startedAt };
}

/** What a replay must leave alone: the chain, the outbox, the audit cursor, the detector's cursor. */
function ledgerSideEffects(databaseUrl: string) {
  return waitFor('a snapshot of the ledger', () =>
    withDatabase(databaseUrl, async (client) => {
      const { rows } = await client.query(
        `SELECT (SELECT count(*) FROM ledger.ledger_entries) AS entries,
           (SELECT count(*) FROM ledger.outbox) AS outbox,
           (SELECT last_published_seq FROM ledger.audit_publication) AS published,
           (SELECT last_seq FROM ledger.anomaly_detection) AS detected,
           (SELECT count(*) FROM ledger.current_grants) AS current_grants`,
      );
      return rows[0] as Record<string, string>;
    }),
  );
}
