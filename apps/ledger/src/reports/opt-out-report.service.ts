import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { SELECT_ENTRY, LedgerEntryRow, toStoredEntry } from '../append/ledger-entries.repository';
import { toProjectedEntry } from '../projections/projection-rebuilder';
import { ProjectedEntry } from '../projections/projected-entry';
import { OptOutReport, optOutReport, ReportPeriod } from './opt-out-report';

const PAGE_SIZE = 1000;

/** Reads the ledger entries of a period, by the time their events happened, and folds them. */
@Injectable()
export class OptOutReportService {
  constructor(private readonly dataSource: DataSource) {}

  // Limitation: the whole period is read into memory before it is folded; the period is bounded
  // by the query schema, and a very busy one makes a large answer.
  async report(period: ReportPeriod): Promise<OptOutReport> {
    const entries: ProjectedEntry[] = [];
    let afterSeq = 0;
    for (;;) {
      const rows = (await this.dataSource.query(
        `SELECT ${SELECT_ENTRY} FROM ledger.ledger_entries
         WHERE occurred_at >= $1 AND occurred_at < $2 AND seq > $3
         ORDER BY seq LIMIT $4`,
        [period.from, period.to, afterSeq, PAGE_SIZE],
      )) as LedgerEntryRow[];
      entries.push(...rows.map((row) => toProjectedEntry(toStoredEntry(row))));
      if (rows.length < PAGE_SIZE) break;
      afterSeq = entries[entries.length - 1]!.seq;
    }
    return optOutReport(period, entries);
  }
}
