import { createHmac } from 'node:crypto';
import { signWebhook, verifyWebhookSignature } from './webhook-signature';

const SECRET = 'a-webhook-signing-secret-of-32-chars!';
const OTHER_SECRET = 'another-signing-secret-of-32-chars!!';
const BODY = '{"deliveryId":"d-1","summary":"u-101 requests db-admin"}';
const SENT_AT = new Date('2026-12-03T10:00:00.400Z');
const TOLERANCE_SECONDS = 300;

function secondsAfter(at: Date, seconds: number): Date {
  return new Date(at.getTime() + seconds * 1000);
}

describe('webhook signature', () => {
  describe(signWebhook.name, () => {
    it('signs "<unix seconds>.<body>" with HMAC-SHA256 and writes it as t=...,v1=...', () => {
      const header = signWebhook(SECRET, BODY, SENT_AT);

      const expected = createHmac('sha256', SECRET).update(`1796292000.${BODY}`).digest('hex');
      expect(header).toBe(`t=1796292000,v1=${expected}`);
    });
  });

  describe(verifyWebhookSignature.name, () => {
    it('accepts the signature of the exact body within the tolerance', () => {
      const header = signWebhook(SECRET, BODY, SENT_AT);

      const result = verifyWebhookSignature(
        SECRET,
        BODY,
        header,
        secondsAfter(SENT_AT, 299),
        TOLERANCE_SECONDS,
      );

      expect(result).toEqual({ valid: true, signedAt: new Date('2026-12-03T10:00:00.000Z') });
    });

    it('refuses a body changed by one byte', () => {
      const header = signWebhook(SECRET, BODY, SENT_AT);

      const result = verifyWebhookSignature(
        SECRET,
        BODY.replace('db-admin', 'db-admim'),
        header,
        SENT_AT,
        TOLERANCE_SECONDS,
      );

      expect(result).toEqual({ valid: false, reason: 'signature-mismatch' });
    });

    it('refuses a signature made with another secret', () => {
      const header = signWebhook(OTHER_SECRET, BODY, SENT_AT);

      expect(verifyWebhookSignature(SECRET, BODY, header, SENT_AT, TOLERANCE_SECONDS)).toEqual({
        valid: false,
        reason: 'signature-mismatch',
      });
    });

    it('refuses a replay once the timestamp is older than the tolerance', () => {
      const header = signWebhook(SECRET, BODY, SENT_AT);

      const result = verifyWebhookSignature(
        SECRET,
        BODY,
        header,
        secondsAfter(SENT_AT, 301),
        TOLERANCE_SECONDS,
      );

      expect(result).toEqual({ valid: false, reason: 'stale-timestamp' });
    });

    it('refuses a timestamp too far in the future', () => {
      const header = signWebhook(SECRET, BODY, secondsAfter(SENT_AT, 600));

      expect(verifyWebhookSignature(SECRET, BODY, header, SENT_AT, TOLERANCE_SECONDS)).toEqual({
        valid: false,
        reason: 'stale-timestamp',
      });
    });

    it('refuses a signature whose timestamp was altered', () => {
      const header = signWebhook(SECRET, BODY, SENT_AT).replace('t=1796292000', 't=1796292001');

      expect(verifyWebhookSignature(SECRET, BODY, header, SENT_AT, TOLERANCE_SECONDS)).toEqual({
        valid: false,
        reason: 'signature-mismatch',
      });
    });

    it('accepts a header carrying the signatures of an old and a new secret', () => {
      const oldHeader = signWebhook(OTHER_SECRET, BODY, SENT_AT);
      const newHeader = signWebhook(SECRET, BODY, SENT_AT);
      const header = `${oldHeader},${newHeader.split(',')[1]}`;

      expect(verifyWebhookSignature(SECRET, BODY, header, SENT_AT, TOLERANCE_SECONDS).valid).toBe(
        true,
      );
    });

    it.each([
      ['a missing header', undefined],
      ['an empty header', ''],
      ['no timestamp', 'v1=' + 'a'.repeat(64)],
      ['no signature', 't=1796292000'],
      ['a timestamp that is not a number', 't=soon,v1=' + 'a'.repeat(64)],
      ['a signature that is not hex', 't=1796292000,v1=not-hex'],
      ['two timestamps', `t=1,t=1796292000,v1=${'a'.repeat(64)}`],
    ])('refuses %s as malformed', (_, header) => {
      expect(verifyWebhookSignature(SECRET, BODY, header, SENT_AT, TOLERANCE_SECONDS)).toEqual({
        valid: false,
        reason: 'malformed-header',
      });
    });
  });
});
