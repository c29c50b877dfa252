import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';

/** The body of every error answer, as `DomainErrorFilter` writes it. */
export const ErrorBodySchema = {
  type: 'object',
  required: ['error', 'message'],
  properties: {
    error: { type: 'string', description: 'a stable error code, e.g. already-resolved' },
    message: { type: 'string' },
    problems: {
      type: 'array',
      description: 'for validation-failed: each bad field and why',
      items: {
        type: 'object',
        properties: { field: { type: 'string' }, reason: { type: 'string' } },
      },
    },
  },
};

/** Documents error answers by status, e.g. `@ApiErrors({ 404: 'unknown-request' })`. */
export function ApiErrors(errors: Record<number, string>): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...Object.entries(errors).map(([status, description]) =>
      ApiResponse({ status: Number(status), description, schema: ErrorBodySchema }),
    ),
  );
}
