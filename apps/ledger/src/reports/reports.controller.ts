import { Controller, Get, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Response } from 'express';
import { JwtAuthGuard } from '@app/auth';
import { ApiErrors, ApiQueryFields, openApiSchema, ZodPipe } from '@app/platform';
import { LedgerReaderGuard } from '../http/ledger-reader.guard';
import { optOutReportText } from './opt-out-report';
import { OptOutReportService } from './opt-out-report.service';
import { OptOutReport, OptOutReportQuery, OptOutReportQueryFields } from './reports.schemas';

@ApiTags('reports')
@ApiBearerAuth()
@UseGuards(JwtAuthGuard, LedgerReaderGuard)
@ApiErrors({
  400: 'validation-failed, naming each bad query parameter',
  401: 'unauthenticated: no valid bearer token',
  403: 'not-a-ledger-reader: the caller is in none of LEDGER_READER_GROUPS',
})
@Controller('reports')
export class ReportsController {
  constructor(private readonly reports: OptOutReportService) {}

  @Get('opt-outs')
  @ApiOperation({
    summary: 'The opt-outs of a period, from the ledger entries whose events happened in it',
    description:
      'Counts by kind, team and resource, refusals by reason, break-glass reviews done (by ' +
      'outcome) and overdue, anomalies by rule and each opt-out with its life. `format=text` ' +
      'answers a Markdown summary.',
  })
  @ApiQueryFields(OptOutReportQueryFields)
  @ApiOkResponse({
    description: 'the report: JSON, or Markdown text with format=text',
    content: {
      'application/json': { schema: openApiSchema(OptOutReport) },
      'text/markdown': { schema: { type: 'string' } },
    },
  })
  async optOuts(
    @Query(new ZodPipe(OptOutReportQuery)) query: OptOutReportQuery,
    @Res({ passthrough: true }) response: Response,
  ): Promise<OptOutReport | string> {
    const report = await this.reports.report({ from: query.from, to: query.to });
    if (query.format === 'json') return report;
    response.type('text/markdown; charset=utf-8');
    return optOutReportText(report);
  }
}
