import { z } from 'zod';

const Seq = z
  .number()
  .int('must be a whole number')
  .min(1, 'must be at least 1')
  .max(Number.MAX_SAFE_INTEGER);

export const BackfillBody = z
  .object({
    fromSeq: Seq.describe('the first entry to republish'),
    toSeq: Seq.optional().describe('the last entry to republish; the head when omitted'),
  })
  .refine((body) => body.toSeq === undefined || body.toSeq >= body.fromSeq, {
    message: 'must not be before fromSeq',
    path: ['toSeq'],
  });
export type BackfillBody = z.infer<typeof BackfillBody>;

export const BackfillResponse = z.object({
  fromSeq: z.number().int(),
  toSeq: z.number().int(),
  entries: z.number().int().describe('entry records republished'),
  checkpoints: z.number().int().describe('checkpoint records republished'),
});
