import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { DomainErrorFilter } from './domain-error.filter';
import { setupOpenApi } from './openapi';

export interface HttpAppDocs {
  title: string;
  description: string;
}

export interface HttpAppOptions extends HttpAppDocs {
  host: string;
  port: number;
}

/**
 * Gives a service's HTTP app its logger, error mapping and OpenAPI document — the same way for
 * every service, and for tests that start services in process.
 */
export function configureHttpApp(
  app: INestApplication,
  docs: HttpAppDocs,
  { shutdownHooks }: { shutdownHooks: boolean } = { shutdownHooks: true },
): void {
  app.useLogger(app.get(Logger));
  app.useGlobalFilters(new DomainErrorFilter());
  if (shutdownHooks) app.enableShutdownHooks();
  setupOpenApi(app, docs.title, docs.description);
}

export async function startHttpApp(
  module: Parameters<typeof NestFactory.create>[0],
  options: HttpAppOptions,
): Promise<INestApplication> {
  const app = await NestFactory.create(module, { bufferLogs: true });
  configureHttpApp(app, options);
  await app.listen(options.port, options.host);
  return app;
}
