import { generateKeyPairSync } from 'node:crypto';
import {
  keyIdOf,
  readSigningKey,
  readVerifyingKey,
  signCheckpoint,
  verifyCheckpointSignature,
} from './checkpoint-signature';

const checkpoint = { seq: 1000, hash: 'ab'.repeat(32), signedAt: '2026-12-03T10:00:00.000Z' };

function ed25519() {
  return generateKeyPairSync('ed25519');
}

describe('checkpoint signatures', () => {
  it('verifies a checkpoint with the public key of the key that signed it', () => {
    const { privateKey, publicKey } = ed25519();

    const signed = signCheckpoint(checkpoint, privateKey);

    expect(signed).toMatchObject({
      ...checkpoint,
      algorithm: 'Ed25519',
      keyId: keyIdOf(publicKey),
    });
    expect(verifyCheckpointSignature(signed, [publicKey])).toEqual({ ok: true });
  });

  it.each([
    ['seq', { seq: 1001 }],
    ['hash', { hash: 'cd'.repeat(32) }],
    ['signing time', { signedAt: '2026-12-03T10:00:01.000Z' }],
  ])('refuses a checkpoint whose %s was changed after signing', (_field, change) => {
    const { privateKey, publicKey } = ed25519();
    const signed = signCheckpoint(checkpoint, privateKey);

    expect(verifyCheckpointSignature({ ...signed, ...change }, [publicKey])).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
  });

  it('names a checkpoint signed by a key it does not know', () => {
    const signed = signCheckpoint(checkpoint, ed25519().privateKey);

    expect(verifyCheckpointSignature(signed, [ed25519().publicKey])).toEqual({
      ok: false,
      reason: 'unknown-key',
    });
  });

  it('finds the right key among several, so keys can be rotated', () => {
    const old = ed25519();
    const current = ed25519();
    const signed = signCheckpoint(checkpoint, old.privateKey);

    expect(verifyCheckpointSignature(signed, [current.publicKey, old.publicKey])).toEqual({
      ok: true,
    });
  });

  it('reads keys from PEM and refuses keys that are not Ed25519', () => {
    const { privateKey, publicKey } = ed25519();
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });

    const pem = (key: typeof privateKey, type: 'pkcs8' | 'spki') =>
      key.export({ type, format: 'pem' }).toString();
    expect(keyIdOf(readVerifyingKey(pem(publicKey, 'spki')))).toBe(keyIdOf(publicKey));
    expect(readSigningKey(pem(privateKey, 'pkcs8')).asymmetricKeyType).toBe('ed25519');
    expect(() => readSigningKey(pem(rsa.privateKey, 'pkcs8'))).toThrow(/must be Ed25519, not rsa/);
    expect(() => readVerifyingKey(pem(rsa.publicKey, 'spki'))).toThrow(/must be Ed25519/);
  });
});
