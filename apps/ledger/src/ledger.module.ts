import { DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from '@app/auth';
import { Clock, SystemClock } from '@app/domain';
import { ServiceRuntimeModule } from '@app/platform';
import { AnomalyFactsRepository } from './anomalies/anomaly-facts.repository';
import { ANOMALY_THRESHOLDS, AnomalyDetector } from './anomalies/anomaly.detector';
import { LedgerAppendService } from './append/ledger-append.service';
import { LedgerEntriesRepository } from './append/ledger-entries.repository';
import { LedgerEventConsumer } from './append/ledger-event.consumer';
import { AuditRecordPublisher } from './audit/audit-record.publisher';
import { LedgerVerificationService } from './chain/ledger-verification.service';
import { CheckpointsController } from './checkpoints/checkpoints.controller';
import { CheckpointsRepository } from './checkpoints/checkpoints.repository';
import { CHECKPOINT_SETTINGS, LedgerCheckpointer } from './checkpoints/ledger-checkpointer';
import { AuditBackfillController } from './audit/backfill.controller';
import { AuditBackfillService } from './audit/backfill.service';
import { AuditTrailController } from './http/audit-trail.controller';
import { GrantsController } from './http/grants.controller';
import { LedgerController } from './http/ledger.controller';
import { LedgerQueryService } from './http/ledger-query.service';
import { LedgerReaderGuard } from './http/ledger-reader.guard';
import { InvestigationsController } from './investigations/investigations.controller';
import { InvestigationsService } from './investigations/investigations.service';
import { LedgerConfig } from './ledger.config';
import { LEDGER_READER_GROUPS } from './ledger.errors';
import { ledgerMigrations } from './migrations';
import { ProjectionApplier } from './projections/projection.applier';
import { ProjectionRebuilder } from './projections/projection-rebuilder';
import { OptOutReportService } from './reports/opt-out-report.service';
import { ReportsController } from './reports/reports.controller';

@Module({})
export class LedgerModule {
  static forRoot(config: LedgerConfig, overrides?: { clock?: Clock }): DynamicModule {
    return {
      module: LedgerModule,
      imports: [
        ServiceRuntimeModule.forRoot(
          {
            ...config.runtime,
            migrations: ledgerMigrations,
            clock: overrides?.clock ?? new SystemClock(),
          },
          config.logLevel,
        ),
        AuthModule.forRoot(config.auth),
      ],
      controllers: [
        GrantsController,
        AuditTrailController,
        LedgerController,
        CheckpointsController,
        ReportsController,
        InvestigationsController,
        AuditBackfillController,
      ],
      providers: [
        { provide: LEDGER_READER_GROUPS, useValue: config.readerGroups },
        { provide: ANOMALY_THRESHOLDS, useValue: config.anomalies },
        { provide: CHECKPOINT_SETTINGS, useValue: config.checkpoints },
        CheckpointsRepository,
        LedgerCheckpointer,
        LedgerVerificationService,
        LedgerEntriesRepository,
        ProjectionApplier,
        LedgerAppendService,
        ProjectionRebuilder,
        AuditRecordPublisher,
        AuditBackfillService,
        AnomalyFactsRepository,
        AnomalyDetector,
        LedgerEventConsumer,
        LedgerQueryService,
        LedgerReaderGuard,
        OptOutReportService,
        InvestigationsService,
      ],
    };
  }
}
