/**
 * Verifies an export of the audit topic, as a SIEM holds it, without the ledger's database:
 *   kcat -C -b 127.0.0.1:9092 -t jit.audit.records.v1 -e -q > audit.jsonl
 *   npm run audit:verify-export -- audit.jsonl [--public-key key.pem ...] [--json]
 * Reads stdin when the file is `-` or missing; files are found from where npm was called. Public
 * keys come from --public-key, else from LEDGER_CHECKPOINT_PUBLIC_KEYS (PEMs or @files,
 * comma-separated), else from the public half of LEDGER_CHECKPOINT_KEY. Exits 0 when everything
 * verifies, 1 at the first problem, 2 when the export could not be verified (unreadable file or
 * key, or checkpoints and no key to check them).
 */
import { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import {
  AuditExportVerification,
  verifyAuditExport,
} from '../apps/ledger/src/audit/audit-export-verifier';
import { readVerifyingKey } from '../apps/ledger/src/chain/checkpoint-signature';
import { callerPath } from './caller-path';

export interface VerifyExportIo {
  env: NodeJS.ProcessEnv;
  readStdin(): string;
  out(text: string): void;
  err(text: string): void;
}

interface VerifyExportOptions {
  publicKey: string[];
  skipSignatures?: boolean;
  json?: boolean;
}

const processIo: VerifyExportIo = {
  env: process.env,
  readStdin: () => readFileSync(0, 'utf8'),
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

/** Runs the command on `argv` (without node and the script) and resolves to its exit code. */
export function runVerifyAuditExport(argv: string[], io: VerifyExportIo = processIo): number {
  const program = new Command()
    .name('verify-audit-export')
    .description('Verify an export of the JIT ledger audit topic (JSON Lines)')
    .argument('[file]', 'the export; - or nothing for stdin')
    .option('--public-key <pem-file>', 'a checkpoint public key (repeatable)', collect, [])
    .option('--skip-signatures', 'accept checkpoints without checking their signatures')
    .option('--json', 'print the result as JSON')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err });

  try {
    program.parse(argv, { from: 'user' });
  } catch (error) {
    const exitCode = (error as { exitCode?: number }).exitCode;
    return exitCode === 0 ? 0 : 2;
  }
  const options = program.opts<VerifyExportOptions>();
  const file = program.args[0];

  let text: string;
  let publicKeys: KeyObject[] | null;
  try {
    text =
      file === undefined || file === '-'
        ? io.readStdin()
        : readFileSync(callerPath(file, io.env), 'utf8');
    publicKeys = options.skipSignatures ? null : publicKeysFrom(options.publicKey, io.env);
  } catch (error) {
    io.err(`could not verify the audit export: ${(error as Error).message}\n`);
    return 2;
  }

  const result = verifyAuditExport(text.split('\n'), { publicKeys });
  const unverifiedCheckpoints =
    result.ok && result.summary.checkpoints > 0 && publicKeys === null && !options.skipSignatures;
  io.out(`${options.json ? JSON.stringify(result) : describe(result, unverifiedCheckpoints)}\n`);
  if (!result.ok) return 1;
  if (unverifiedCheckpoints) {
    io.err(
      'the checkpoints could not be verified without a public key: pass --public-key <pem-file> ' +
        '(repeatable), or set LEDGER_CHECKPOINT_PUBLIC_KEYS, or accept them unchecked with ' +
        '--skip-signatures\n',
    );
    return 2;
  }
  return 0;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The keys given, or those of the environment; null when there are none. */
function publicKeysFrom(files: readonly string[], env: NodeJS.ProcessEnv): KeyObject[] | null {
  if (files.length > 0) {
    return files.map((file) => readVerifyingKey(readFileSync(callerPath(file, env), 'utf8')));
  }
  const listed = env.LEDGER_CHECKPOINT_PUBLIC_KEYS?.trim();
  if (listed) return listed.split(',').map((source) => readVerifyingKey(pemFrom(source)));
  const signing = env.LEDGER_CHECKPOINT_KEY?.trim();
  if (signing) return [readVerifyingKey(pemFrom(signing))];
  return null;
}

// A PEM in an environment variable often has its line breaks written as \n.
function pemFrom(source: string): string {
  const trimmed = source.trim();
  if (trimmed.startsWith('@')) return readFileSync(trimmed.slice(1), 'utf8');
  return trimmed.replace(/\\n/g, '\n');
}

function describe(result: AuditExportVerification, unverifiedCheckpoints: boolean): string {
  const { summary } = result;
  const range =
    summary.firstSeq === null ? 'no entries' : `seqs ${summary.firstSeq} to ${summary.lastSeq}`;
  const extras =
    `${summary.duplicates} duplicates left out, ${summary.replayed} replayed records, ` +
    `${summary.checkpoints} checkpoints` +
    (summary.signaturesChecked ? '' : ' (signatures not checked)');
  if (result.ok && summary.firstSeq === null) return `audit export has no entries; ${extras}`;
  if (result.ok) {
    const from = summary.firstSeq === 1 ? 'genesis' : `prevHash ${summary.startsFrom}`;
    const chain = `${summary.entries} entries, ${range}, from ${from}`;
    if (unverifiedCheckpoints) {
      return (
        `audit export chain intact (${chain}), but its ${summary.checkpoints} checkpoints ` +
        'could NOT be verified: no public key'
      );
    }
    return `audit export intact: ${chain}; ${extras}`;
  }
  const { problem } = result;
  const where = problem.seq === null ? `line ${problem.line}` : `seq ${problem.seq}`;
  const detail =
    problem.expected !== undefined
      ? ` (expected ${problem.expected}, found ${problem.found ?? 'nothing'})`
      : '';
  return (
    `audit export BROKEN at ${where}: ${problem.problem}: ${problem.message}${detail}; ` +
    `${result.problems.length} problem(s) in all; ${summary.entries} entries read, ${range}`
  );
}

if (require.main === module) {
  process.exitCode = runVerifyAuditExport(process.argv.slice(2));
}
