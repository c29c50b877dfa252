import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { EventProducer } from '@app/messaging';
import { TopicNames } from '@app/platform';
import { backfillAuditRecords, BackfillRange, BackfillResult } from './backfill';

/** Republishes a range of audit records for a SIEM consumer that starts from a given seq. */
@Injectable()
export class AuditBackfillService {
  private readonly logger = new Logger(AuditBackfillService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly producer: EventProducer,
    private readonly topics: TopicNames,
  ) {}

  async backfill(range: BackfillRange): Promise<BackfillResult> {
    const target = {
      topic: this.topics.auditRecords,
      send: (records: Parameters<EventProducer['send']>[0]) => this.producer.send(records),
    };
    const result = await backfillAuditRecords(this.dataSource, range, target, (progress) =>
      this.logger.debug({ msg: 'audit backfill progress', ...progress }),
    );

    this.logger.log({ msg: 'audit records backfilled', ...result });
    return result;
  }
}
