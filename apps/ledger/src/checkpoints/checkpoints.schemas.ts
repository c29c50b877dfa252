import { z } from 'zod';
import { Instant } from '@app/contracts';

export const CheckpointsQuery = z.object({
  afterSeq: z.coerce
    .number()
    .int('must be a whole number')
    .min(0, 'must not be negative')
    .max(Number.MAX_SAFE_INTEGER)
    .default(0)
    .describe('return checkpoints of seqs after this one'),
  limit: z.coerce.number().int('must be a whole number').min(1).max(1000).default(100),
});
export type CheckpointsQuery = z.infer<typeof CheckpointsQuery>;

export const CheckpointView = z.object({
  seq: z.number().int().describe('the ledger entry the checkpoint vouches for'),
  hash: z.string().describe("that entry's hash"),
  signedAt: Instant,
  keyId: z.string().describe('the first 16 hex digits of SHA-256 over the SPKI DER public key'),
  algorithm: z.literal('Ed25519'),
  signature: z
    .string()
    .describe('base64url Ed25519 over the RFC 8785 JSON of {seq, hash, signedAt, keyId}'),
});

export const CheckpointsResponse = z.object({
  checkpoints: z.array(CheckpointView),
  nextAfterSeq: z
    .number()
    .int()
    .nullable()
    .describe('pass as afterSeq for the next page; null at the end'),
});
