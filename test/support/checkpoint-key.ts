import { generateKeyPairSync } from 'node:crypto';

const pair = generateKeyPairSync('ed25519');

/** The Ed25519 key the test services sign ledger checkpoints with, and its public half. */
export const testCheckpointKey = {
  privateKey: pair.privateKey,
  publicKey: pair.publicKey,
  privatePem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  publicPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
};
