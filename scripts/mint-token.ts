/**
 * Mints a development bearer token the services accept when they share its JWT_SECRET.
 *   npm run token -- --sub u-101 --groups sre,dba
 */
import { Command } from 'commander';
import { mintDevelopmentToken } from '@app/auth';
import { parseDuration } from '@app/domain';

const program = new Command()
  .name('mint-token')
  .description('Mint an HS256 development token for the JIT access services')
  .requiredOption('--sub <id>', 'the caller, e.g. u-101')
  .option('--groups <list>', 'comma-separated groups, e.g. sre,dba', '')
  .option('--expires-in <duration>', 'lifetime as an ISO-8601 duration', 'PT8H')
  .option('--secret <key>', 'signing key (default: JWT_SECRET)', process.env.JWT_SECRET)
  .option(
    '--issuer <iss>',
    'issuer (default: JWT_ISSUER)',
    process.env.JWT_ISSUER ?? 'jit-access-dev',
  )
  .option(
    '--audience <aud>',
    'audience (default: JWT_AUDIENCE)',
    process.env.JWT_AUDIENCE ?? 'jit-access',
  )
  .parse();

async function main(): Promise<void> {
  const options = program.opts<{
    sub: string;
    groups: string;
    expiresIn: string;
    secret?: string;
    issuer: string;
    audience: string;
  }>();
  if (!options.secret || options.secret.length < 32) {
    program.error(
      'set JWT_SECRET (the stack writes it to .cache/dev.env: source .cache/dev.env) or pass --secret',
    );
  }
  const lifetime = parseDuration(options.expiresIn);
  if (!lifetime.ok) return program.error(`--expires-in: ${lifetime.error.message}`);
  const token = await mintDevelopmentToken({
    secret: options.secret!,
    subject: options.sub,
    groups: options.groups
      .split(',')
      .map((g) => g.trim())
      .filter(Boolean),
    issuer: options.issuer,
    audience: options.audience,
    expiresIn: `${Math.round(lifetime.value.milliseconds / 1000)}s`,
  });
  process.stdout.write(`${token}\n`);
}

void main();
