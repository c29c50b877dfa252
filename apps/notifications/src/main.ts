import 'reflect-metadata';
import { startHttpApp } from '@app/platform';
import { loadNotificationsConfig } from './notifications.config';
import { NotificationsModule } from './notifications.module';

async function bootstrap(): Promise<void> {
  const config = loadNotificationsConfig(process.env);
  await startHttpApp(NotificationsModule.forRoot(config), {
    title: 'JIT access ledger — notifications',
    description:
      'Sends the access events people act on to webhooks, signed and retried, and records every delivery.',
    host: config.http.host,
    port: config.http.port,
  });
}

bootstrap().catch((error: unknown) => {
  // The logger may not exist yet (bad configuration), so the reason goes straight to stderr.
  process.stderr.write(`notifications failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
