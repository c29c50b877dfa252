import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { JwtAuthGuard } from '@app/auth';
import { ApiErrors, openApiSchema, ZodPipe } from '@app/platform';
import { LedgerReaderGuard } from '../http/ledger-reader.guard';
import { BackfillBody, BackfillResponse } from './backfill.schemas';
import { AuditBackfillService } from './backfill.service';

@ApiTags('ledger')
@ApiBearerAuth()
@UseGuards(JwtAuthGuard, LedgerReaderGuard)
@ApiErrors({
  400: 'validation-failed, naming each bad field',
  401: 'unauthenticated: no valid bearer token',
  403: 'not-a-ledger-reader: the caller is in none of LEDGER_READER_GROUPS',
  422: 'backfill-out-of-range: the range is not within the ledger (headSeq in the details)',
})
@Controller('ledger/audit')
export class AuditBackfillController {
  constructor(private readonly backfills: AuditBackfillService) {}

  @Post('backfill')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Republishes the audit records of a seq range, marked replay, to the audit topic',
    description:
      'Entries in seq order, each checkpoint after its entry; the live publication goes on ' +
      'untouched. Answers when every record was sent.',
  })
  @ApiBody({ schema: openApiSchema(BackfillBody) })
  @ApiOkResponse({ schema: openApiSchema(BackfillResponse) })
  backfill(@Body(new ZodPipe(BackfillBody)) body: BackfillBody) {
    return this.backfills.backfill(body);
  }
}
