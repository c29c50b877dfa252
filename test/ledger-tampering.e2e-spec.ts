import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { ManualClock } from '@app/domain';
import {
  canonicalPayload,
  entryHash,
  LedgerCheckpoint,
  verifyCheckpointSignature,
} from '../apps/ledger/src';
import { anAccessRequested, BASE_TIME } from '../apps/ledger/src/testing/ledger-event.builders';
import { runVerifyLedger } from '../scripts/verify-ledger';
import { testCheckpointKey } from './support/checkpoint-key';
import { callAs } from './support/http';
import { TestStack } from './support/stack';
import { withDatabase } from './support/test-namespace';
import { waitFor } from './support/wait-for';

const auditor = { id: 'u-900', groups: ['auditors'] };
const EVENTS = 20;
const EVERY = 5;
const WAIT_MS = 60000;

interface EntryRow {
  seq: string;
  payload: string;
  prev_hash: string;
  hash: string;
}

/** Runs `work` as the superuser the test connects as, with the append-only triggers bypassed. */
function asSuperuser(databaseUrl: string, work: (client: Client) => Promise<void>) {
  return withDatabase(databaseUrl, async (client) => {
    await client.query('BEGIN');
    await client.query('SET LOCAL session_replication_role = replica');
    await work(client);
    await client.query('COMMIT');
  });
}

async function entryAt(client: Client, seq: number): Promise<EntryRow> {
  const result = await client.query<EntryRow>(
    'SELECT seq, payload, prev_hash, hash FROM ledger.ledger_entries WHERE seq = $1',
    [seq],
  );
  return result.rows[0]!;
}

// Moves rows out of the way first: the primary key is checked row by row during an UPDATE.
async function renumber(client: Client, where: string, shift: number): Promise<void> {
  await client.query(`UPDATE ledger.ledger_entries SET seq = seq + 1000000 WHERE ${where}`);
  await client.query(
    `UPDATE ledger.ledger_entries SET seq = seq - 1000000 + $1 WHERE seq > 1000000`,
    [shift],
  );
}

describe('ledger tampering', () => {
  const clock = new ManualClock(new Date(BASE_TIME));
  let stack: TestStack;
  let databaseUrl: string;
  let publicKeyFile: string;

  const verifyOverHttp = async () =>
    (await callAs(auditor, 'GET', `${stack.url('ledger')}/ledger/verify`)).body as Record<
      string,
      unknown
    >;
  const verifyWithCli = async (...extra: string[]) => {
    const result = await runVerifyLedger(
      ['--database-url', databaseUrl, '--json', '--public-key', publicKeyFile, ...extra],
      {},
    );
    return { ...result, json: JSON.parse(result.stdout || '{}') as Record<string, unknown> };
  };

  async function expectCaught(problem: string, brokenSeq: number, reason?: string) {
    const expected = { ok: false, problem, brokenSeq, ...(reason ? { reason } : {}) };

    const overHttp = await verifyOverHttp();
    const cli = await verifyWithCli();

    expect(overHttp).toMatchObject(expected);
    expect(cli.exitCode).toBe(1);
    expect(cli.json).toMatchObject({ ...expected, signaturesChecked: true });
    expect(cli.json).toMatchObject({ expected: overHttp.expected, found: overHttp.found });
  }

  beforeAll(async () => {
    stack = await TestStack.start({
      name: 'ledger-tamper',
      clock,
      services: ['ledger'],
      env: { LEDGER_CHECKPOINT_EVERY: String(EVERY), LEDGER_CHECKPOINT_INTERVAL: 'PT1M' },
    });
    databaseUrl = stack.namespace.databaseUrl;
    publicKeyFile = join(mkdtempSync(join(tmpdir(), 'ledger-keys-')), 'checkpoints.pub.pem');
    writeFileSync(publicKeyFile, testCheckpointKey.publicPem);

    const events = Array.from({ length: EVENTS }, () => anAccessRequested());
    await stack.probe.publish(
      stack.topics.accessEvents,
      events.map((event) => ({ key: event.partitionKey, value: JSON.stringify(event) })),
    );
    await waitFor(
      'the checkpoint of the last entry',
      () =>
        withDatabase(databaseUrl, async (client) => {
          const result = await client.query('SELECT 1 FROM ledger.checkpoints WHERE seq = $1', [
            EVENTS,
          ]);
          return result.rowCount === 1;
        }),
      WAIT_MS,
    );
    await withDatabase(databaseUrl, async (client) => {
      await client.query('CREATE TABLE public.entries_before AS TABLE ledger.ledger_entries');
      await client.query('CREATE TABLE public.head_before AS TABLE ledger.ledger_head');
      await client.query('CREATE TABLE public.checkpoints_before AS TABLE ledger.checkpoints');
    });
  }, 120000);

  afterEach(async () => {
    await asSuperuser(databaseUrl, async (client) => {
      await client.query('DELETE FROM ledger.ledger_entries');
      await client.query('INSERT INTO ledger.ledger_entries SELECT * FROM public.entries_before');
      await client.query('DELETE FROM ledger.checkpoints');
      await client.query('INSERT INTO ledger.checkpoints SELECT * FROM public.checkpoints_before');
      await client.query(
        'UPDATE ledger.ledger_head h SET seq = b.seq, hash = b.hash FROM public.head_before b',
      );
    });
  });

  afterAll(async () => {
    await stack?.close();
  });

  describe('the service role', () => {
    it('acts as a role that may not change ledger entries or checkpoints, whatever the trigger', async () => {
      const service = stack.running.get('ledger')!.app.get(DataSource);

      const roles = (await service.query('SELECT current_user AS role')) as { role: string }[];

      expect(roles[0]?.role).toBe('jit_ledger_service');
      for (const statement of [
        'UPDATE ledger.ledger_entries SET payload = payload WHERE seq = 1',
        'DELETE FROM ledger.ledger_entries WHERE seq = 1',
        'TRUNCATE ledger.ledger_entries',
        'UPDATE ledger.checkpoints SET hash = hash WHERE seq = 5',
        'DELETE FROM ledger.checkpoints WHERE seq = 5',
        'TRUNCATE ledger.checkpoints',
        'ALTER TABLE ledger.ledger_entries DISABLE TRIGGER ledger_entries_append_only',
      ]) {
        await expect(service.query(statement)).rejects.toThrow(/permission denied|must be owner/);
      }
    });

    it('still appends, keeps the projections and rebuilds them', async () => {
      const audit = await callAs(auditor, 'GET', `${stack.url('ledger')}/audit?limit=1000`);
      const rebuilt = await callAs(
        auditor,
        'POST',
        `${stack.url('ledger')}/ledger/projections/rebuild`,
      );

      expect((audit.body as { records: unknown[] }).records).toHaveLength(EVENTS);
      expect(rebuilt.body).toEqual({ replayed: EVENTS, headSeq: EVENTS });
    });
  });

  describe('checkpoints', () => {
    it('signs one every LEDGER_CHECKPOINT_EVERY entries, verifiable with the public key', async () => {
      const page = await callAs(
        auditor,
        'GET',
        `${stack.url('ledger')}/ledger/checkpoints?afterSeq=0&limit=3`,
      );
      expect(page.status).toBe(200);
      const body = page.body as { checkpoints: LedgerCheckpoint[]; nextAfterSeq: number | null };

      expect(body.checkpoints.map((checkpoint) => checkpoint.seq)).toEqual([5, 10, 15]);
      expect(body.nextAfterSeq).toBe(15);
      for (const checkpoint of body.checkpoints) {
        expect(verifyCheckpointSignature(checkpoint, [testCheckpointKey.publicKey])).toEqual({
          ok: true,
        });
      }
    });

    it('publishes each checkpoint to the audit topic after the entry it names', async () => {
      await stack.probe.waitForCount(
        stack.topics.auditRecords,
        (record: { recordType?: string }) => record.recordType === 'checkpoint',
        EVENTS / EVERY,
        WAIT_MS,
      );
      const records = stack.probe.on(stack.topics.auditRecords).map((record) => ({
        key: record.key,
        ...(record.json as { seq: number; recordType: string }),
      }));

      const checkpoints = records.filter((record) => record.recordType === 'checkpoint');
      expect(checkpoints.map((record) => record.seq)).toEqual([5, 10, 15, 20]);
      expect(checkpoints.every((record) => record.key === 'checkpoint')).toBe(true);
      for (const checkpoint of checkpoints) {
        const entryIndex = records.findIndex(
          (record) => record.recordType !== 'checkpoint' && record.seq === checkpoint.seq,
        );
        expect(entryIndex).toBeGreaterThanOrEqual(0);
        expect(entryIndex).toBeLessThan(records.indexOf(checkpoint));
      }
    });

    it('verifies the intact ledger over HTTP and with the CLI', async () => {
      expect(await verifyOverHttp()).toMatchObject({
        ok: true,
        entries: EVENTS,
        checkpoints: EVENTS / EVERY,
      });
      const cli = await verifyWithCli();
      expect(cli.exitCode).toBe(0);
      expect(cli.json).toMatchObject({ ok: true, checkpoints: EVENTS / EVERY });
    });
  });

  describe('tampering as a superuser, past the trigger', () => {
    it('finds a modified payload', async () => {
      await asSuperuser(databaseUrl, (client) =>
        client
          .query(
            `UPDATE ledger.ledger_entries SET payload = replace(payload, 'u-101', 'u-666')
             WHERE seq = 7`,
          )
          .then(() => undefined),
      );

      await expectCaught('modified', 7, 'hash-mismatch');
    });

    it('finds a deleted entry', async () => {
      await asSuperuser(databaseUrl, (client) =>
        client.query('DELETE FROM ledger.ledger_entries WHERE seq = 8').then(() => undefined),
      );

      await expectCaught('deleted', 8, 'missing-entry');
    });

    it('finds an entry inserted with the later ones renumbered', async () => {
      await asSuperuser(databaseUrl, async (client) => {
        const before = await entryAt(client, 8);
        await renumber(client, 'seq >= 9', 1);
        const forged = anAccessRequested();
        const payload = canonicalPayload(forged);
        const hash = entryHash(before.hash, 9, payload);
        await client.query(
          `INSERT INTO ledger.ledger_entries
             (seq, event_id, event_type, partition_key, occurred_at, recorded_at, payload,
              prev_hash, hash)
           VALUES (9, $1, $2, $3, $4, now(), $5, $6, $7)`,
          [forged.id, forged.type, forged.partitionKey, forged.time, payload, before.hash, hash],
        );
      });

      await expectCaught('inserted', 9);
    });

    it('finds two entries that swapped places', async () => {
      await asSuperuser(databaseUrl, async (client) => {
        await client.query('UPDATE ledger.ledger_entries SET seq = 1000011 WHERE seq = 11');
        await client.query('UPDATE ledger.ledger_entries SET seq = 11 WHERE seq = 12');
        await client.query('UPDATE ledger.ledger_entries SET seq = 12 WHERE seq = 1000011');
      });

      await expectCaught('reordered', 11);
    });

    it('finds a chain rewritten with fresh hashes by the signed checkpoint after the rewrite', async () => {
      await asSuperuser(databaseUrl, async (client) => {
        let prevHash = (await entryAt(client, 12)).hash;
        for (let seq = 13; seq <= EVENTS; seq += 1) {
          const entry = await entryAt(client, seq);
          const payload = entry.payload.replace('u-101', 'u-666');
          const hash = entryHash(prevHash, seq, payload);
          await client.query(
            'UPDATE ledger.ledger_entries SET payload = $2, prev_hash = $3, hash = $4 WHERE seq = $1',
            [seq, payload, prevHash, hash],
          );
          prevHash = hash;
        }
        await client.query('UPDATE ledger.ledger_head SET hash = $1', [prevHash]);
      });

      await expectCaught('checkpoint-mismatch', 15, 'checkpoint-hash-mismatch');
    });

    it('finds a checkpoint changed to match a rewritten chain by its signature', async () => {
      await asSuperuser(databaseUrl, (client) =>
        client
          .query(`UPDATE ledger.checkpoints SET hash = repeat('a', 64) WHERE seq = 10`)
          .then(() => undefined),
      );

      await expectCaught('checkpoint-mismatch', 10, 'checkpoint-bad-signature');
    });

    it('reads the public key from the environment when the CLI is given none', async () => {
      await asSuperuser(databaseUrl, (client) =>
        client.query('DELETE FROM ledger.ledger_entries WHERE seq = 3').then(() => undefined),
      );

      const result = await runVerifyLedger(['--database-url', databaseUrl, '--json'], {
        LEDGER_CHECKPOINT_PUBLIC_KEYS: testCheckpointKey.publicPem,
      });

      expect(result.exitCode).toBe(1);
      expect(JSON.parse(result.stdout)).toMatchObject({
        problem: 'deleted',
        brokenSeq: 3,
        signaturesChecked: true,
      });
    });
  });

  describe('the checkpoint interval', () => {
    it('signs the head once its oldest unsigned entry is LEDGER_CHECKPOINT_INTERVAL old', async () => {
      const events = [anAccessRequested(), anAccessRequested()];
      await stack.probe.publish(
        stack.topics.accessEvents,
        events.map((event) => ({ key: event.partitionKey, value: JSON.stringify(event) })),
      );
      const headSeq = EVENTS + events.length;
      const checkpointAt = (seq: number) =>
        withDatabase(databaseUrl, async (client) => {
          const result = await client.query('SELECT 1 FROM ledger.checkpoints WHERE seq = $1', [
            seq,
          ]);
          return result.rowCount === 1;
        });
      await waitFor(
        'both entries',
        () =>
          withDatabase(databaseUrl, async (client) => {
            const result = await client.query<{ seq: string }>(
              'SELECT seq FROM ledger.ledger_head',
            );
            return Number(result.rows[0]!.seq) === headSeq;
          }),
        WAIT_MS,
      );

      clock.advance(59_000);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(await checkpointAt(headSeq)).toBe(false);

      clock.advance(1_000);
      await waitFor('the checkpoint of the head', () => checkpointAt(headSeq), WAIT_MS);
      expect(await verifyOverHttp()).toMatchObject({ ok: true, checkpoints: EVENTS / EVERY + 1 });
    });
  });
});
