/**
 * Verifies the ledger's hash chain from genesis to its head and prints the result.
 *   npm run ledger:verify -- [--database-url postgres://...] [--json]
 * Exits 0 when the chain is intact, 1 at a break, 2 when it could not be verified at all.
 */
import { Command, InvalidArgumentError } from 'commander';
import { Client } from 'pg';
import { z } from 'zod';
import { commonEnv, loadConfig } from '@app/platform';
import {
  LedgerVerification,
  verifyLedger,
  VERIFY_PAGE_SIZE,
} from '../apps/ledger/src/chain/ledger-verifier';

const DatabaseEnv = z.object({ DATABASE_URL: commonEnv.DATABASE_URL });

const program = new Command()
  .name('verify-ledger')
  .description('Verify the hash chain of the JIT access ledger')
  .option('--database-url <url>', 'the ledger database (default: DATABASE_URL)')
  .option('--page-size <entries>', 'entries read per query', pageSize, VERIFY_PAGE_SIZE)
  .option('--json', 'print the result as JSON')
  .parse();

function pageSize(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new InvalidArgumentError('a positive integer');
  return parsed;
}

function describe(result: LedgerVerification): string {
  if (result.ok) {
    return `ledger intact: ${result.entries} entries, head seq ${result.headSeq} hash ${result.headHash}`;
  }
  return (
    `ledger BROKEN at seq ${result.brokenSeq} (${result.reason}); ${result.entries} entries ` +
    `verified before it; head seq ${result.headSeq} hash ${result.headHash}`
  );
}

async function main(): Promise<void> {
  const options = program.opts<{ databaseUrl?: string; pageSize: number; json?: boolean }>();
  const { DATABASE_URL } = loadConfig(DatabaseEnv, {
    DATABASE_URL: options.databaseUrl ?? process.env.DATABASE_URL,
  });
  const client = new Client({
    connectionString: DATABASE_URL,
    application_name: 'jit-verify-ledger',
  });
  await client.connect();
  try {
    const database = {
      query: async (sql: string, params?: unknown[]) => (await client.query(sql, params)).rows,
    };
    const result = await verifyLedger(database, options.pageSize);
    process.stdout.write(`${options.json ? JSON.stringify(result) : describe(result)}\n`);
    process.exitCode = result.ok ? 0 : 1;
  } finally {
    await client.end();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`could not verify the ledger: ${(error as Error).message}\n`);
  process.exitCode = 2;
});
