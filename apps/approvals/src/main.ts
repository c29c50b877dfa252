import { Logger } from '@nestjs/common';
import { startHttpApp } from '@app/platform';
import { loadApprovalsConfig } from './approvals.config';
import { ApprovalsModule } from './approvals.module';

async function bootstrap(): Promise<void> {
  const config = loadApprovalsConfig(process.env);
  await startHttpApp(ApprovalsModule.forRoot(config), {
    title: 'JIT access ledger — approvals',
    description:
      'Decides access requests under the policies and records approvals and denials; an ' +
      'approval issues a grant with exact start and end instants.',
    host: config.http.host,
    port: config.http.port,
  });
}

bootstrap().catch((error: unknown) => {
  new Logger('ApprovalsService').error({
    msg: 'approvals service failed to start',
    error: (error as Error).message,
    stack: (error as Error).stack,
  });
  process.exit(1);
});
