import { createHmac, timingSafeEqual } from 'node:crypto';

/** The scheme name in the signature header; a new scheme gets a new name, so both can coexist. */
const SCHEME = 'v1';

export type SignatureVerification =
  | { valid: true; signedAt: Date }
  | { valid: false; reason: 'malformed-header' | 'stale-timestamp' | 'signature-mismatch' };

/**
 * The value of the `X-Jit-Signature` header for `body` sent at `at`: the unix time in seconds and
 * the hex HMAC-SHA256 of "<t>.<body>". Signing the time with the body lets a receiver refuse a
 * captured request replayed later.
 */
export function signWebhook(secret: string, body: string, at: Date): string {
  const timestamp = Math.floor(at.getTime() / 1000);
  return `t=${timestamp},${SCHEME}=${hmacHex(secret, timestamp, body)}`;
}

/**
 * Checks a signature header against the exact body received. Refuses a timestamp more than
 * `toleranceSeconds` away from `now`, in either direction. Several `v1` values may be present
 * (one per secret while a secret is rotated); one match is enough.
 */
export function verifyWebhookSignature(
  secret: string,
  body: string,
  header: string | null | undefined,
  now: Date,
  toleranceSeconds: number,
): SignatureVerification {
  const parsed = parseSignatureHeader(header ?? '');
  if (!parsed) return { valid: false, reason: 'malformed-header' };

  const ageSeconds = Math.abs(now.getTime() / 1000 - parsed.timestamp);
  if (ageSeconds > toleranceSeconds) return { valid: false, reason: 'stale-timestamp' };

  const expected = Buffer.from(hmacHex(secret, parsed.timestamp, body), 'utf8');
  const matches = parsed.signatures.some((signature) => {
    const given = Buffer.from(signature, 'utf8');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!matches) return { valid: false, reason: 'signature-mismatch' };

  return { valid: true, signedAt: new Date(parsed.timestamp * 1000) };
}

function hmacHex(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
}

function parseSignatureHeader(header: string): { timestamp: number; signatures: string[] } | null {
  let timestamp: number | null = null;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const separator = part.indexOf('=');
    if (separator <= 0) return null;
    const key = part.slice(0, separator).trim();
    const value = part.slice(separator + 1).trim();
    if (key === 't') {
      if (!/^\d{1,12}$/.test(value) || timestamp !== null) return null;
      timestamp = Number(value);
    } else if (key === SCHEME) {
      if (!/^[0-9a-f]{64}$/.test(value)) return null;
      signatures.push(value);
    }
  }
  if (timestamp === null || signatures.length === 0) return null;
  return { timestamp, signatures };
}
