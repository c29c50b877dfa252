import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { JwtAuthGuard } from '@app/auth';
import { ApiErrors, ApiQueryFields, openApiSchema, ZodPipe } from '@app/platform';
import { AuditTrailQuery, AuditTrailResponse } from './ledger-api.schemas';
import { LedgerQueryService } from './ledger-query.service';
import { LedgerReaderGuard } from './ledger-reader.guard';

@ApiTags('audit')
@ApiBearerAuth()
@UseGuards(JwtAuthGuard, LedgerReaderGuard)
@ApiErrors({
  400: 'validation-failed, naming each bad query parameter',
  401: 'unauthenticated: no valid bearer token',
  403: 'not-a-ledger-reader: the caller is in none of LEDGER_READER_GROUPS',
})
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
