import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { startHttpApp } from '@app/platform';
import { loadExpiryConfig } from './expiry.config';
import { ExpiryModule } from './expiry.module';

async function bootstrap(): Promise<void> {
  const config = loadExpiryConfig(process.env);
  await startHttpApp(ExpiryModule.forRoot(config), {
    title: 'JIT access ledger — expiry',
    description:
      'Keeps the schedule of grant ends and request decision deadlines, and fires each one once.',
    host: config.http.host,
    port: config.http.port,
  });
}

bootstrap().catch((error: unknown) => {
  new Logger('ExpiryBootstrap').error({
    msg: 'expiry service failed to start',
    error: (error as Error).message,
  });
  process.exit(1);
});
