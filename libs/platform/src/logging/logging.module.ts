import { DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';

/**
 * JSON logs through pino: one line per entry, with the logger's class as `context` and the
 * structured fields each call passes. Bearer tokens never reach the log.
 */
export function loggingModule(service: string, level: string): DynamicModule {
  return LoggerModule.forRoot({
    pinoHttp: {
      level,
      base: { service },
      redact: ['req.headers.authorization', 'req.headers.cookie'],
      autoLogging: { ignore: (req) => req.url === '/health' },
      customProps: (req) => ({ correlationId: req.headers['x-correlation-id'] }),
    },
  });
}
