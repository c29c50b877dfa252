import { readFileSync } from 'node:fs';
import { createPublicKey, KeyObject } from 'node:crypto';
import { keyIdOf, readSigningKey, readVerifyingKey } from '../chain/checkpoint-signature';

/**
 * Reads a key given as its PEM text, or as `@/path/to/file.pem`. An environment variable may
 * carry the PEM's line breaks escaped as `\n`.
 */
export function readKeySource(source: string): string {
  const value = source.trim();
  if (value.startsWith('@')) return readFileSync(value.slice(1), 'utf8');
  return value.replace(/\\n/g, '\n');
}

export function signingKeyFrom(source: string): KeyObject {
  return readSigningKey(readKeySource(source));
}

/**
 * The keys that verify checkpoints: each of a comma-separated list of PEMs or @files (PEM text
 * holds no comma), or, when there is none, the public half of the signing key.
 */
export function verifyingKeysFrom(list: string | undefined, signingKey?: KeyObject): KeyObject[] {
  const sources = (list ?? '')
    .split(',')
    .map((source) => source.trim())
    .filter((source) => source.length > 0);
  if (sources.length > 0)
    return unique(sources.map((source) => readVerifyingKey(readKeySource(source))));
  return signingKey ? [createPublicKey(signingKey)] : [];
}

/**
 * The verifying keys of an environment, as every verifier reads them: `LEDGER_CHECKPOINT_PUBLIC_KEYS`,
 * else the public half of `LEDGER_CHECKPOINT_KEY`; none when neither is set.
 */
export function verifyingKeysOfEnv(env: NodeJS.ProcessEnv): KeyObject[] {
  const listed = verifyingKeysFrom(env.LEDGER_CHECKPOINT_PUBLIC_KEYS);
  if (listed.length > 0 || !env.LEDGER_CHECKPOINT_KEY) return listed;
  return verifyingKeysFrom(undefined, signingKeyFrom(env.LEDGER_CHECKPOINT_KEY));
}

function unique(keys: KeyObject[]): KeyObject[] {
  const seen = new Set<string>();
  return keys.filter((key) => {
    const id = keyIdOf(key);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
