import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { JwtAuthGuard } from '@app/auth';
import { openApiSchema, ZodPipe } from '@app/platform';
import { ApiQueryFields } from './api-query.decorator';
import { AuditTrailQuery, AuditTrailResponse } from './ledger-api.schemas';
import { LedgerQueryService } from './ledger-query.service';
import { LedgerReaderGuard } from './ledger-reader.guard';

@ApiTags('audit')
@ApiBearerAuth()
@UseGuards(JwtAuthGuard, LedgerReaderGuard)
@Controller('audit')
export class AuditTrailController {
  constructor(private readonly queries: LedgerQueryService) {}

  @Get()
  @ApiOperation({ summary: 'The audit trail, one record per ledger entry, in ledger order' })
  @ApiQueryFields(AuditTrailQuery)
  @ApiOkResponse({ schema: openApiSchema(AuditTrailResponse) })
  auditTrail(@Query(new ZodPipe(AuditTrailQuery)) query: AuditTrailQuery) {
    return this.queries.auditTrail(query);
  }
}
