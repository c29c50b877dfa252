import { Logger } from '@nestjs/common';
import { startHttpApp } from '@app/platform';
import { loadRequestsConfig } from './requests.config';
import { RequestsModule } from './requests.module';

async function bootstrap(): Promise<void> {
  const config = loadRequestsConfig(process.env);
  await startHttpApp(RequestsModule.forRoot(config), {
    title: 'JIT access ledger — requests',
    description:
      'Files access requests from people (HTTP) and ticketing systems (Kafka) and shows their ' +
      'current state.',
    host: config.http.host,
    port: config.http.port,
  });
}

bootstrap().catch((error: unknown) => {
  Logger.error((error as Error).message, (error as Error).stack, 'RequestsService');
  process.exit(1);
});
