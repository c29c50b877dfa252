import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ServiceName } from '@app/contracts';
import { configureHttpApp } from '@app/platform';

export interface RunningService {
  app: INestApplication;
  /** e.g. http://127.0.0.1:41234 */
  url: string;
  close(): Promise<void>;
}

/** Starts a service module in this process on a free port, configured as its main.ts does. */
export async function startService(
  module: Parameters<typeof NestFactory.create>[0],
  service: ServiceName,
): Promise<RunningService> {
  const app = await NestFactory.create(module, { bufferLogs: true });
  // Many apps share this process; signal handlers are the test runner's business.
  configureHttpApp(
    app,
    { title: `JIT access ledger — ${service}`, description: `The ${service} service` },
    { shutdownHooks: false },
  );
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return { app, url: `http://127.0.0.1:${address.port}`, close: () => app.close() };
}
