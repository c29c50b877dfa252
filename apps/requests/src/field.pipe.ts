import { PipeTransform } from '@nestjs/common';
import { z } from 'zod';
import { ValidationFailedError } from '@app/platform';

/** Validates one header or path parameter, naming it in the 400 response when it is bad. */
export class FieldPipe<S extends z.ZodType> implements PipeTransform<unknown, z.infer<S>> {
  constructor(
    private readonly field: string,
    private readonly schema: S,
  ) {}

  transform(value: unknown): z.infer<S> {
    const result = this.schema.safeParse(value);
    if (result.success) {
      return result.data;
    }
    throw new ValidationFailedError(
      result.error.issues.map((issue) => ({ field: this.field, reason: issue.message })),
    );
  }
}
