import { PipeTransform } from '@nestjs/common';
import { z } from 'zod';
import { ValidationFailedError } from './domain-error';

/** Validates a body or query against a schema; every bad field is named in the 400 response. */
export class ZodPipe<S extends z.ZodType> implements PipeTransform<unknown, z.infer<S>> {
  constructor(private readonly schema: S) {}

  transform(value: unknown): z.infer<S> {
    const result = this.schema.safeParse(value ?? {});
    if (result.success) return result.data;
    throw new ValidationFailedError(
      result.error.issues.map((issue) => ({
        field: issue.path.length ? issue.path.join('.') : '(body)',
        reason: isMissing(issue) ? 'is required' : issue.message,
      })),
    );
  }
}

function isMissing(issue: z.core.$ZodIssue): boolean {
  return issue.code === 'invalid_type' && /received undefined$/.test(issue.message);
}
