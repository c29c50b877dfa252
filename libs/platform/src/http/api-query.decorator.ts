import { applyDecorators } from '@nestjs/common';
import { ApiQuery } from '@nestjs/swagger';
import { z } from 'zod';
import { openApiSchema } from './openapi';

/** Documents each field of a query schema as a query parameter, from the schema that validates it. */
export function ApiQueryFields(schema: z.ZodObject): MethodDecorator {
  return applyDecorators(
    ...Object.entries(schema.shape).map(([name, field]) => {
      const fieldSchema = field as z.ZodType;
      return ApiQuery({
        name,
        required: !fieldSchema.safeParse(undefined).success,
        description: fieldSchema.description,
        schema: openApiSchema(fieldSchema),
      });
    }),
  );
}
