/**
 * Verifies the ledger's hash chain from genesis to its head, and every signed checkpoint, and
 * prints the result: the first seq that is wrong and what is wrong there.
 *   npm run ledger:verify -- [--database-url postgres://...] [--public-key key.pem ...] [--json]
 * Public keys come from --public-key, else LEDGER_CHECKPOINT_PUBLIC_KEYS, else the public half of
 * LEDGER_CHECKPOINT_KEY; --public-key files are found from where npm was called. Exits 0 when the
 * ledger is intact, 1 when it is not, 2 when it could not be verified at all.
 */
import { KeyObject } from 'node:crypto';
import { Command, InvalidArgumentError } from 'commander';
import { Client } from 'pg';
import { z } from 'zod';
import { commonEnv, loadConfig } from '@app/platform';
import {
  LedgerVerification,
  verifyLedger,
  VERIFY_PAGE_SIZE,
} from '../apps/ledger/src/chain/ledger-verifier';
import { readVerifyingKey } from '../apps/ledger/src/chain/checkpoint-signature';
import { LedgerSighting } from '../apps/ledger/src/chain/ledger-inspection';
import { readKeySource, verifyingKeysOfEnv } from '../apps/ledger/src/checkpoints/checkpoint-keys';
import { callerPath } from './caller-path';

const DatabaseEnv = z.object({ DATABASE_URL: commonEnv.DATABASE_URL });

export interface VerifyCommandResult {
  exitCode: 0 | 1 | 2;
  stdout: string;
  stderr: string;
}

interface VerifyOptions {
  databaseUrl?: string;
  pageSize: number;
  publicKey: string[];
  json?: boolean;
}

function program(): Command {
  return new Command()
    .name('verify-ledger')
    .description('Verify the hash chain and the signed checkpoints of the JIT access ledger')
    .option('--database-url <url>', 'the ledger database (default: DATABASE_URL)')
    .option('--page-size <entries>', 'entries read per query', pageSize, VERIFY_PAGE_SIZE)
    .option('--public-key <file>', 'an Ed25519 public key PEM; repeat for several', collect, [])
    .option('--json', 'print the result as JSON')
    .exitOverride();
}

function pageSize(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new InvalidArgumentError('a positive integer');
  return parsed;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function sightingText(sighting: LedgerSighting): string {
  const parts = Object.entries(sighting).map(([field, value]) =>
    Array.isArray(value)
      ? `${field} ${value.length > 0 ? value.join(' or ') : 'none given'}`
      : `${field} ${String(value)}`,
  );
  return parts.length > 0 ? parts.join(', ') : 'nothing';
}

function describe(result: LedgerVerification, signaturesChecked: boolean): string {
  const signatures = signaturesChecked ? '' : ' (checkpoint signatures NOT checked: no public key)';
  if (result.ok) {
    return (
      `ledger intact: ${result.entries} entries, ${result.checkpoints} checkpoints${signatures}, ` +
      `head seq ${result.headSeq} hash ${result.headHash}`
    );
  }
  return [
    `ledger BROKEN at seq ${result.brokenSeq}: ${result.problem} (${result.reason})${signatures}`,
    `  expected: ${sightingText(result.expected)}`,
    `  found:    ${sightingText(result.found)}`,
    `  ${result.entries} entries and ${result.checkpoints} checkpoints verified before it; ` +
      `head seq ${result.headSeq} hash ${result.headHash}`,
  ].join('\n');
}

function publicKeysFor(files: readonly string[], env: NodeJS.ProcessEnv): KeyObject[] {
  if (files.length > 0) {
    return files.map((file) => readVerifyingKey(readKeySource(`@${callerPath(file, env)}`)));
  }
  return verifyingKeysOfEnv(env);
}

/** The command, callable in-process: parses `argv` (without node and the script). */
export async function runVerifyLedger(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<VerifyCommandResult> {
  let options: VerifyOptions;
  try {
    options = program()
      .parse([...argv], { from: 'user' })
      .opts<VerifyOptions>();
  } catch (error) {
    // Commander has printed the help or the usage error itself.
    const helped = (error as { code?: string }).code === 'commander.helpDisplayed';
    return { exitCode: helped ? 0 : 2, stdout: '', stderr: '' };
  }
  try {
    const { DATABASE_URL } = loadConfig(DatabaseEnv, {
      DATABASE_URL: options.databaseUrl ?? env.DATABASE_URL,
    });
    const publicKeys = publicKeysFor(options.publicKey, env);
    const client = new Client({
      connectionString: DATABASE_URL,
      application_name: 'jit-verify-ledger',
    });
    await client.connect();
    try {
      const database = {
        query: async (sql: string, params?: unknown[]) => (await client.query(sql, params)).rows,
      };
      const result = await verifyLedger(database, {
        pageSize: options.pageSize,
        publicKeys: publicKeys.length > 0 ? publicKeys : undefined,
      });
      const text = options.json
        ? JSON.stringify({ ...result, signaturesChecked: publicKeys.length > 0 })
        : describe(result, publicKeys.length > 0);
      return { exitCode: result.ok ? 0 : 1, stdout: `${text}\n`, stderr: '' };
    } finally {
      await client.end();
    }
  } catch (error) {
    return {
      exitCode: 2,
      stdout: '',
      stderr: `could not verify the ledger: ${(error as Error).message}\n`,
    };
  }
}

if (require.main === module) {
  void runVerifyLedger(process.argv.slice(2)).then((result) => {
    process.stdout.write(result.stdout);
    process.stderr.write(result.stderr);
    process.exitCode = result.exitCode;
  });
}
