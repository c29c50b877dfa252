import { z } from 'zod';

export const RequestIdParams = z.object({ id: z.uuid({ message: 'must be a request id (uuid)' }) });
export type RequestIdParams = z.infer<typeof RequestIdParams>;

/** The body of an approve or deny call; who decides comes from the token, never from here. */
export const DecisionBody = z.strictObject({
  comment: z.string().max(2000).optional(),
});
export type DecisionBody = z.infer<typeof DecisionBody>;
