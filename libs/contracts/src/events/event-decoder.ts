import { z } from 'zod';
import { DomainEvent, DomainEventSchema } from './envelope';

export type DecodeFailureReason = 'invalid-json' | 'schema-violation';

export type DecodeResult<T> =
  { ok: true; value: T } | { ok: false; reason: DecodeFailureReason; error: string };

/** Parses and validates a record value against a schema; never throws. */
export function decodeJson<T>(raw: Buffer | null, schema: z.ZodType<T>): DecodeResult<T> {
  if (raw === null || raw.length === 0) {
    return { ok: false, reason: 'invalid-json', error: 'record has no value' };
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch (error) {
    return { ok: false, reason: 'invalid-json', error: (error as Error).message };
  }

  const result = schema.safeParse(parsed);
  if (!result.success) {
    return { ok: false, reason: 'schema-violation', error: describeIssues(result.error) };
  }
  return { ok: true, value: result.data };
}

export function decodeDomainEvent(raw: Buffer | null): DecodeResult<DomainEvent> {
  return decodeJson(raw, DomainEventSchema as unknown as z.ZodType<DomainEvent>);
}

export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}
