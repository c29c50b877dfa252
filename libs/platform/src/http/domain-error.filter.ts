import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { Response } from 'express';
import { DomainError } from './domain-error';

@Catch()
export class DomainErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(DomainErrorFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();

    if (exception instanceof DomainError) {
      this.logger.debug({ msg: 'request refused', code: exception.code, status: exception.status });
      response
        .status(exception.status)
        .json({ error: exception.code, message: exception.message, ...exception.details });
      return;
    }

    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      const message = typeof body === 'string' ? body : (body as { message?: unknown }).message;
      response.status(status).json({ error: httpErrorCode(status), message });
      return;
    }

    this.logger.error({
      msg: 'unhandled error',
      error: String(exception),
      stack: (exception as Error)?.stack,
    });
    response.status(500).json({ error: 'internal-error', message: 'internal error' });
  }
}

function httpErrorCode(status: number): string {
  if (status === 404) return 'not-found';
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'forbidden';
  if (status === 413) return 'payload-too-large';
  if (status === 400) return 'bad-request';
  return status >= 500 ? 'internal-error' : 'request-failed';
}
