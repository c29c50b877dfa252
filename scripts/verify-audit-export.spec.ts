import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toAuditRecord, toCheckpointAuditRecord } from '../apps/ledger/src/audit/audit-record';
import { signCheckpoint } from '../apps/ledger/src/chain/checkpoint-signature';
import { chainOf } from '../apps/ledger/src/testing/ledger-entry.builders';
import { aGrantedRequest } from '../apps/ledger/src/testing/ledger-event.builders';
import { runVerifyAuditExport, VerifyExportIo } from './verify-audit-export';

const signing = generateKeyPairSync('ed25519');

function anExportWithACheckpoint(): string {
  const { entries } = chainOf(aGrantedRequest().events);
  const last = entries[entries.length - 1]!;
  const checkpoint = signCheckpoint(
    { seq: last.seq, hash: last.hash, signedAt: '2026-12-03T11:00:00.000Z' },
    signing.privateKey,
  );
  const records = [
    ...entries.map((entry) => toAuditRecord(entry)),
    toCheckpointAuditRecord(checkpoint),
  ];
  return records.map((record) => JSON.stringify(record)).join('\n');
}

function run(argv: string[], env: NodeJS.ProcessEnv) {
  const written = { out: '', err: '' };
  const io: VerifyExportIo = {
    env,
    readStdin: () => '',
    out: (text) => (written.out += text),
    err: (text) => (written.err += text),
  };
  return { code: runVerifyAuditExport(argv, io), ...written };
}

describe(runVerifyAuditExport.name, () => {
  let callerDir: string;

  beforeAll(() => {
    callerDir = mkdtempSync(join(tmpdir(), 'verify-audit-export-'));
    writeFileSync(join(callerDir, 'audit.jsonl'), anExportWithACheckpoint());
    writeFileSync(
      join(callerDir, 'ledger-checkpoint.pub.pem'),
      signing.publicKey.export({ type: 'spki', format: 'pem' }),
    );
  });

  afterAll(() => {
    rmSync(callerDir, { recursive: true, force: true });
  });

  it('finds the export and the key from the directory npm was called from', () => {
    const result = run(['audit.jsonl', '--public-key', 'ledger-checkpoint.pub.pem'], {
      INIT_CWD: callerDir,
    });

    expect(result.code).toBe(0);
    expect(result.out).toMatch(/^audit export intact: 5 entries/);
  });

  it('says the chain is intact but the checkpoints unverified when it has no key', () => {
    const result = run(['audit.jsonl'], { INIT_CWD: callerDir });

    expect(result.code).toBe(2);
    expect(result.out).toMatch(
      /^audit export chain intact \(5 entries.*\), but its 1 checkpoints could NOT be verified/,
    );
    expect(result.out).not.toContain('audit export intact');
    expect(result.err).toContain('pass --public-key <pem-file>');
  });

  it('accepts the checkpoints unchecked when told to skip their signatures', () => {
    const result = run(['audit.jsonl', '--skip-signatures'], { INIT_CWD: callerDir });

    expect(result.code).toBe(0);
    expect(result.out).toContain('(signatures not checked)');
  });
});
