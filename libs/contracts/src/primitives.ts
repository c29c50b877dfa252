import { z } from 'zod';

/** An instant in UTC, written as ISO-8601 with a `Z` offset, e.g. `2026-12-03T10:00:00.000Z`. */
export const Instant = z.iso.datetime({
  offset: false,
  message: 'must be an ISO-8601 UTC instant',
});

/** An ISO-8601 duration string. Its exact meaning is checked by the domain's duration parser. */
export const IsoDuration = z.string().min(2).max(40);

export const Identifier = z.string().min(1).max(200);

/** A fact about a person from their identity provider: seniority, on-call status, training. */
export const AttributeValue = z.union([
  z.string().max(200),
  z.boolean(),
  z.number(),
  z.array(z.string().max(200)).max(100),
]);
export type AttributeValue = z.infer<typeof AttributeValue>;

export const Principal = z.object({
  id: Identifier,
  groups: z.array(Identifier).max(200),
  /** Present when the token carries an `attributes` claim; opt-out eligibility reads it. */
  attributes: z.record(z.string().min(1).max(100), AttributeValue).optional(),
});
export type Principal = z.infer<typeof Principal>;

export const ResourceName = z
  .string()
  .min(1)
  .max(300)
  .regex(/^[A-Za-z0-9][A-Za-z0-9:._\-/]*$/, 'must be letters, digits and : . _ - /');

export const RoleName = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be letters, digits and . _ -');
