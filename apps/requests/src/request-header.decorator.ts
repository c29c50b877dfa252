import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { Request } from 'express';

/** One request header by its lower-case name, or undefined; unlike @Headers it takes pipes. */
export const RequestHeader = createParamDecorator((name: string, context: ExecutionContext) => {
  return context.switchToHttp().getRequest<Request>().headers[name];
});
