import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { DomainErrorFilter } from './domain-error.filter';
import { setupOpenApi } from './openapi';

export interface HttpAppOptions {
  title: string;
  description: string;
  host: string;
  port: number;
}

/** Builds, documents and starts a service's HTTP app the same way for every service. */
export async function startHttpApp(
  module: Parameters<typeof NestFactory.create>[0],
  options: HttpAppOptions,
): Promise<INestApplication> {
  const app = await NestFactory.create(module, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.useGlobalFilters(new DomainErrorFilter());
  app.enableShutdownHooks();
  setupOpenApi(app, options.title, options.description);
  await app.listen(options.port, options.host);
  return app;
}
