import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DomainEvent } from '@app/contracts';
import {
  aGrantedRequest,
  anActivatedOptOut,
  anEvent,
} from '../apps/ledger/src/testing/ledger-event.builders';
import { runVerifyAuditExport } from '../scripts/verify-audit-export';
import { callAs, expectStatus } from './support/http';
import { TestStack } from './support/stack';
import { testBrokers } from './support/test-namespace';
import { sleep, waitFor } from './support/wait-for';

const run = promisify(execFile);
const auditor = { id: 'u-900', groups: ['auditors'] };
const engineer = { id: 'u-901', groups: ['engineering'] };
const WAIT_MS = 60000;

interface TopicRecord {
  recordType?: string;
  replay?: boolean;
  seq: number;
  hash: string;
  prevHash?: string;
}

/** Reads the audit topic to its end with kcat, as a SIEM pipeline would, from `offset` on. */
async function exportWithKcat(topic: string, file: string, offset = 0): Promise<string[]> {
  const { stdout } = await run(
    'kcat',
    ['-C', '-b', testBrokers[0]!, '-t', topic, '-o', String(offset), '-e', '-q'],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  writeFileSync(file, stdout);
  return stdout.split('\n').filter((line) => line.trim() !== '');
}

function verify(stack: TestStack, file: string): { code: number; out: string } {
  let out = '';
  const code = runVerifyAuditExport(['--json', file], {
    env: stack.env('ledger'),
    readStdin: () => '',
    out: (text) => (out += text),
    err: (text) => (out += text),
  });
  return { code, out };
}

function parsed(out: string) {
  return JSON.parse(out.split('\n')[0]!) as {
    ok: boolean;
    summary: { entries: number; firstSeq: number; lastSeq: number; startsFrom: string };
    problem?: { problem: string; seq: number };
  };
}

describe('audit topic for SIEMs', () => {
  let stack: TestStack;
  let dir: string;
  let headSeq: number;
  const optOut = anActivatedOptOut({ subject: 'u-401', kind: 'break-glass' });
  const revoked = anEvent(
    'OptOutRevoked',
    {
      optOutId: optOut.optOutId,
      kind: 'break-glass',
      subject: 'u-401',
      resource: 'db:orders-prod',
      role: 'db-admin',
      revokedBy: 'u-191',
      reason: 'incident over',
    },
    { time: optOut.activated.time },
  );
  const events: DomainEvent[] = [
    ...aGrantedRequest({ subject: 'u-101' }).events,
    ...optOut.events,
    revoked,
    ...aGrantedRequest({ subject: 'u-102', resource: 'app:billing', role: 'deployer' }).events,
  ];

  const entryRecords = () =>
    stack.probe
      .on(stack.topics.auditRecords)
      .map((record) => record.json as TopicRecord)
      .filter((record) => record.recordType === 'entry');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'jit-audit-siem-'));
    stack = await TestStack.start({ name: 'audit-siem', services: ['ledger'] });
    await stack.probe.publish(
      stack.topics.accessEvents,
      events.map((event) => ({ key: event.partitionKey, value: JSON.stringify(event) })),
    );
    // The anomaly detector may append entries of its own a moment later: wait for a still head.
    headSeq = await waitFor(
      'the ledger head to settle with every entry published',
      async () => {
        const before = await callAs(auditor, 'GET', `${stack.url('ledger')}/ledger/verify`);
        await sleep(1500);
        const after = await callAs(auditor, 'GET', `${stack.url('ledger')}/ledger/verify`);
        const head = after.body.headSeq as number;
        const settled = head >= events.length && head === before.body.headSeq;
        return settled && entryRecords().length >= head ? head : undefined;
      },
      WAIT_MS,
      0,
    );
  });

  afterAll(async () => {
    await stack?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('publishes entry records in seq order with ECS fields and the chain', () => {
    const records = stack.probe
      .on(stack.topics.auditRecords)
      .map((record) => record.json as Record<string, any>)
      .filter((record) => record.recordType === 'entry');

    expect(records.map((record) => record.seq)).toEqual(
      Array.from({ length: headSeq }, (_, index) => index + 1),
    );
    const revocation = records.find((record) => record.eventType === 'OptOutRevoked')!;
    expect(revocation).toMatchObject({
      replay: false,
      '@timestamp': revoked.time,
      event: {
        kind: 'event',
        category: ['iam'],
        type: ['deletion', 'end'],
        action: 'opt-out-revoked',
        outcome: 'success',
        id: revoked.id,
        sequence: revocation.seq,
        reason: 'incident over',
      },
      user: { id: 'u-191', target: { id: 'u-401' } },
      jit: {
        opt_out_id: optOut.optOutId,
        opt_out_kind: 'break-glass',
        resource: 'db:orders-prod',
        ledger: { seq: revocation.seq, hash: revocation.hash, prev_hash: revocation.prevHash },
      },
    });
  });

  it('verifies the topic as kcat exports it', async () => {
    const file = join(dir, 'audit.jsonl');
    await exportWithKcat(stack.topics.auditRecords, file);

    const { code, out } = verify(stack, file);

    expect(code).toBe(0);
    expect(parsed(out)).toMatchObject({
      ok: true,
      summary: { entries: headSeq, firstSeq: 1, lastSeq: headSeq },
    });
  });

  it('names the seq of a record whose payload was altered in the export', async () => {
    const file = join(dir, 'audit.jsonl');
    const lines = await exportWithKcat(stack.topics.auditRecords, file);
    const tampered = lines.map((line) => {
      const record = JSON.parse(line) as TopicRecord & { payload?: string };
      if (record.recordType !== 'entry' || record.seq !== 4) return line;
      const payload = record.payload!.replace(
        /"correlationId":"[^"]*"/,
        '"correlationId":"forged"',
      );
      return JSON.stringify({ ...record, payload });
    });
    const tamperedFile = join(dir, 'audit-tampered.jsonl');
    writeFileSync(tamperedFile, `${tampered.join('\n')}\n`);

    const { code, out } = verify(stack, tamperedFile);

    expect(code).toBe(1);
    expect(parsed(out)).toMatchObject({ ok: false, problem: { problem: 'hash-mismatch', seq: 4 } });
  });

  it('republishes a range marked replay, which a new consumer verifies from its first seq', async () => {
    const before = await exportWithKcat(stack.topics.auditRecords, join(dir, 'before.jsonl'));
    const fromSeq = 6;

    const response = await callAs(auditor, 'POST', `${stack.url('ledger')}/ledger/audit/backfill`, {
      fromSeq,
    });

    expectStatus(response, 200);
    expect(response.body).toMatchObject({ fromSeq, toSeq: headSeq, entries: headSeq - 5 });
    await waitFor(
      'the replayed records',
      () => entryRecords().filter((record) => record.replay).length >= headSeq - 5,
      WAIT_MS,
    );
    const file = join(dir, 'backfill.jsonl');
    const replayed = (await exportWithKcat(stack.topics.auditRecords, file, before.length)).map(
      (line) => JSON.parse(line) as TopicRecord,
    );
    expect(replayed.every((record) => record.replay === true)).toBe(true);
    expect(replayed.filter((r) => r.recordType === 'entry').map((r) => r.seq)).toEqual(
      Array.from({ length: headSeq - 5 }, (_, index) => fromSeq + index),
    );

    const { code, out } = verify(stack, file);

    expect(code).toBe(0);
    const fifth = before.map((line) => JSON.parse(line) as TopicRecord).find((r) => r.seq === 5);
    expect(parsed(out)).toMatchObject({
      ok: true,
      summary: { firstSeq: fromSeq, lastSeq: headSeq, startsFrom: fifth!.hash },
    });
  });

  it('verifies the whole topic with the replayed duplicates in it', async () => {
    const file = join(dir, 'all.jsonl');
    const lines = await exportWithKcat(stack.topics.auditRecords, file);

    const { code, out } = verify(stack, file);

    expect(code).toBe(0);
    expect(lines.length).toBeGreaterThan(headSeq);
    expect(parsed(out).summary).toMatchObject({ entries: headSeq, firstSeq: 1 });
    expect(readFileSync(file, 'utf8')).toContain('"replay":true');
  });

  it('refuses a backfill outside the ledger, a bad range and a caller who may not read it', async () => {
    const url = `${stack.url('ledger')}/ledger/audit/backfill`;

    const beyond = await callAs(auditor, 'POST', url, { fromSeq: headSeq + 1 });
    const backwards = await callAs(auditor, 'POST', url, { fromSeq: 5, toSeq: 2 });
    const outsider = await callAs(engineer, 'POST', url, { fromSeq: 1 });
    const anonymous = await callAs(null, 'POST', url, { fromSeq: 1 });

    expect(beyond.status).toBe(422);
    expect(beyond.body).toMatchObject({ error: 'backfill-out-of-range' });
    expect(backwards.status).toBe(400);
    expect(outsider.status).toBe(403);
    expect(anonymous.status).toBe(401);
  });
});
