/**
 * Mints a development bearer token the services accept when they share its JWT_SECRET.
 *   npm run token -- --sub u-101 --groups sre,dba
 *   npm run token -- --sub u-101 --groups sre --attribute onCall=true --attribute seniority=senior
 */
import { Command, InvalidArgumentError } from 'commander';
import { mintDevelopmentToken } from '@app/auth';
import { AttributeValue } from '@app/contracts';
import { parseDuration } from '@app/domain';

function collectAttribute(
  text: string,
  collected: Record<string, AttributeValue>,
): Record<string, AttributeValue> {
  const at = text.indexOf('=');
  if (at < 1) throw new InvalidArgumentError('write it as name=value, e.g. onCall=true');
  const name = text.slice(0, at);
  const raw = text.slice(at + 1);
  const value: AttributeValue =
    raw === 'true' ? true : raw === 'false' ? false : raw.includes(',') ? raw.split(',') : raw;
  return { ...collected, [name]: value };
}

const program = new Command()
  .name('mint-token')
  .description('Mint an HS256 development token for the JIT access services')
  .requiredOption('--sub <id>', 'the caller, e.g. u-101')
  .option('--groups <list>', 'comma-separated groups, e.g. sre,dba', '')
  .option(
    '--attribute <name=value>',
    'an attribute claim, repeatable; true/false are booleans, a,b is a list',
    collectAttribute,
    {} as Record<string, AttributeValue>,
  )
  .option('--expires-in <duration>', 'lifetime as an ISO-8601 duration', 'PT8H')
  .option('--secret <key>', 'signing key (default: JWT_SECRET)')
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
    attribute: Record<string, AttributeValue>;
    expiresIn: string;
    secret?: string;
    issuer: string;
    audience: string;
  }>();
  // Read here rather than as the option's default, which --help would print.
  const secret = options.secret ?? process.env.JWT_SECRET;
  if (!secret || secret.length < 32) {
    return program.error(
      'set JWT_SECRET (the stack writes it to .cache/dev.env: source .cache/dev.env) or pass --secret',
    );
  }
  const lifetime = parseDuration(options.expiresIn);
  if (!lifetime.ok) return program.error(`--expires-in: ${lifetime.error.message}`);
  const token = await mintDevelopmentToken({
    secret,
    subject: options.sub,
    groups: options.groups
      .split(',')
      .map((g) => g.trim())
      .filter(Boolean),
    attributes: Object.keys(options.attribute).length > 0 ? options.attribute : undefined,
    issuer: options.issuer,
    audience: options.audience,
    expiresIn: `${Math.round(lifetime.value.milliseconds / 1000)}s`,
  });
  process.stdout.write(`${token}\n`);
}

void main();
