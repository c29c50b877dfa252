/**
 * Prints the ledger's report of the opt-outs of a period, from the ledger's HTTP API.
 *   npm run report:opt-outs -- --from 2026-12-01T00:00:00Z --to 2027-01-01T00:00:00Z \
 *     [--format json|text] [--url http://127.0.0.1:3005] [--token …]
 * The token (a member of LEDGER_READER_GROUPS) comes from --token or LEDGER_TOKEN.
 * Exits 0 with the report, 1 when the ledger refused the call, 2 when it could not be reached.
 */
import { Command, InvalidArgumentError, Option } from 'commander';

function instant(value: string): string {
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed))
    throw new InvalidArgumentError('an ISO-8601 instant, e.g. 2026-12-01T00:00:00Z');
  return new Date(parsed).toISOString();
}

const program = new Command()
  .name('opt-out-report')
  .description('Report the opt-outs of a period from the JIT access ledger')
  .requiredOption('--from <instant>', 'start of the period, inclusive', instant)
  .requiredOption('--to <instant>', 'end of the period, exclusive', instant)
  .addOption(
    new Option('--format <format>', 'json or a Markdown text summary')
      .choices(['json', 'text'])
      .default('text'),
  )
  .option('--url <url>', 'the ledger service', process.env.LEDGER_URL ?? 'http://127.0.0.1:3005')
  .option('--token <jwt>', 'a bearer token of a ledger reader (default: LEDGER_TOKEN)')
  .parse();

interface Options {
  from: string;
  to: string;
  format: 'json' | 'text';
  url: string;
  token?: string;
}

async function main(): Promise<void> {
  const options = program.opts<Options>();
  const token = options.token ?? process.env.LEDGER_TOKEN;
  if (!token) {
    program.error(
      'pass --token or set LEDGER_TOKEN to a reader token, e.g. ' +
        'LEDGER_TOKEN=$(npm run --silent token -- --sub u-190 --groups security-leads)',
    );
  }
  const url = new URL('/reports/opt-outs', options.url);
  url.search = new URLSearchParams({
    from: options.from,
    to: options.to,
    format: options.format,
  }).toString();

  let response: Response;
  try {
    response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  } catch (error) {
    const cause = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
    process.stderr.write(`could not reach the ledger at ${options.url}: ${cause}\n`);
    process.exitCode = 2;
    return;
  }
  const body = await response.text();
  if (!response.ok) {
    process.stderr.write(`the ledger answered ${response.status}: ${refusal(body)}\n`);
    process.exitCode = 1;
    return;
  }
  process.stdout.write(body.endsWith('\n') ? body : `${body}\n`);
}

/** The error code, message and problems of an error answer, on one line. */
function refusal(body: string): string {
  try {
    const parsed = JSON.parse(body) as {
      error?: string;
      message?: string;
      problems?: { field: string; reason: string }[];
    };
    const problems = (parsed.problems ?? [])
      .map((problem) => `${problem.field} ${problem.reason}`)
      .join('; ');
    return [parsed.error, parsed.message, problems].filter(Boolean).join(': ');
  } catch {
    return body.slice(0, 500);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`could not report: ${(error as Error).message}\n`);
  process.exitCode = 2;
});
