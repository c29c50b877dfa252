import { Logger } from '@nestjs/common';
import { startHttpApp } from '@app/platform';
import { loadLedgerConfig } from './ledger.config';
import { LedgerModule } from './ledger.module';

async function bootstrap(): Promise<void> {
  const config = loadLedgerConfig(process.env);
  await startHttpApp(LedgerModule.forRoot(config), {
    title: 'JIT access ledger — ledger',
    description:
      'The append-only, hash-chained record of every access event, its projections (current ' +
      'grants, grant history, audit trail) and the verification of the chain.',
    host: config.http.host,
    port: config.http.port,
  });
}

bootstrap().catch((error: unknown) => {
  new Logger('LedgerService').error({
    msg: 'ledger service failed to start',
    error: (error as Error).message,
    stack: (error as Error).stack,
  });
  process.exit(1);
});
