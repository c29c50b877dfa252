import {
  createHash,
  createPrivateKey,
  createPublicKey,
  KeyObject,
  sign as signBytes,
  verify as verifyBytes,
} from 'node:crypto';
import canonicalize from 'canonicalize';

/**
 * A signed statement that the chain's entry `seq` has hash `hash`. Anyone holding the public key
 * can check it, so a ledger rewritten and re-hashed from some point on no longer matches the
 * checkpoints signed before the rewrite.
 */
export interface LedgerCheckpoint {
  seq: number;
  hash: string;
  signedAt: string;
  /** Identifies the public key that verifies it (see `keyIdOf`). */
  keyId: string;
  algorithm: 'Ed25519';
  /** Base64url Ed25519 signature over `checkpointSigningInput` of the fields above. */
  signature: string;
}

export type UnsignedCheckpoint = Pick<LedgerCheckpoint, 'seq' | 'hash' | 'signedAt'>;

/** The exact bytes that are signed: the canonical JSON (RFC 8785) of seq, hash, signedAt, keyId. */
export function checkpointSigningInput(checkpoint: UnsignedCheckpoint & { keyId: string }): Buffer {
  const statement = {
    seq: checkpoint.seq,
    hash: checkpoint.hash,
    signedAt: checkpoint.signedAt,
    keyId: checkpoint.keyId,
  };
  return Buffer.from(canonicalize(statement)!, 'utf8');
}

/** The first 16 hex digits of the SHA-256 of the public key's SPKI DER encoding. */
export function keyIdOf(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex').slice(0, 16);
}

/** Reads an Ed25519 private key from PEM (PKCS#8); refuses any other kind of key. */
export function readSigningKey(pem: string): KeyObject {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new Error(`the checkpoint signing key must be Ed25519, not ${key.asymmetricKeyType}`);
  }
  return key;
}

/** Reads an Ed25519 public key from PEM (SPKI), or derives it from a private key's PEM. */
export function readVerifyingKey(pem: string): KeyObject {
  const key = createPublicKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new Error(`the checkpoint verifying key must be Ed25519, not ${key.asymmetricKeyType}`);
  }
  return key;
}

export function signCheckpoint(
  checkpoint: UnsignedCheckpoint,
  privateKey: KeyObject,
): LedgerCheckpoint {
  const keyId = keyIdOf(createPublicKey(privateKey));
  const signature = signBytes(null, checkpointSigningInput({ ...checkpoint, keyId }), privateKey);
  return { ...checkpoint, keyId, algorithm: 'Ed25519', signature: signature.toString('base64url') };
}

export type CheckpointCheck =
  { ok: true } | { ok: false; reason: 'unknown-key' | 'bad-signature' | 'unsupported-algorithm' };

/** Whether the checkpoint was signed by one of `publicKeys` (several, to allow key rotation). */
export function verifyCheckpointSignature(
  checkpoint: LedgerCheckpoint,
  publicKeys: readonly KeyObject[],
): CheckpointCheck {
  if (checkpoint.algorithm !== 'Ed25519') return { ok: false, reason: 'unsupported-algorithm' };
  const key = publicKeys.find((candidate) => keyIdOf(candidate) === checkpoint.keyId);
  if (!key) return { ok: false, reason: 'unknown-key' };

  const valid = verifyBytes(
    null,
    checkpointSigningInput(checkpoint),
    key,
    Buffer.from(checkpoint.signature, 'base64url'),
  );
  return valid ? { ok: true } : { ok: false, reason: 'bad-signature' };
}
