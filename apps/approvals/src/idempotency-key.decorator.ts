import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { Request } from 'express';
import { ValidationFailedError } from '@app/platform';
import { IdempotencyKeyHeader } from './opt-out.schemas';

/** The Idempotency-Key header, validated; null when the caller sent none. */
export const IdempotencyKey = createParamDecorator(
  (_: unknown, context: ExecutionContext): string | null => {
    const header = context.switchToHttp().getRequest<Request>().headers['idempotency-key'];
    const parsed = IdempotencyKeyHeader.safeParse(header);
    if (!parsed.success) {
      throw new ValidationFailedError(
        parsed.error.issues.map((issue) => ({ field: 'Idempotency-Key', reason: issue.message })),
      );
    }
    return parsed.data ?? null;
  },
);
