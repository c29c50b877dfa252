import { Controller, Get, HttpCode, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { JwtAuthGuard } from '@app/auth';
import { ApiErrors, ApiQueryFields, openApiSchema, ZodPipe } from '@app/platform';
import { LedgerVerificationService } from '../chain/ledger-verification.service';
import {
  LedgerEntriesQuery,
  LedgerEntriesResponse,
  LedgerVerificationResponse,
  RebuildResponse,
} from './ledger-api.schemas';
import { LedgerQueryService } from './ledger-query.service';
import { LedgerReaderGuard } from './ledger-reader.guard';

@ApiTags('ledger')
@ApiBearerAuth()
@UseGuards(JwtAuthGuard, LedgerReaderGuard)
@ApiErrors({
  400: 'validation-failed, naming each bad query parameter',
  401: 'unauthenticated: no valid bearer token',
  403: 'not-a-ledger-reader: the caller is in none of LEDGER_READER_GROUPS',
})
@Controller('ledger')
export class LedgerController {
  constructor(
    private readonly queries: LedgerQueryService,
    private readonly verification: LedgerVerificationService,
  ) {}

  @Get('entries')
  @ApiOperation({ summary: 'Raw ledger entries in seq order, with the hashes that chain them' })
  @ApiQueryFields(LedgerEntriesQuery)
  @ApiOkResponse({ schema: openApiSchema(LedgerEntriesResponse) })
  entries(@Query(new ZodPipe(LedgerEntriesQuery)) query: LedgerEntriesQuery) {
    return this.queries.entries(query);
  }

  @Get('verify')
  @ApiOperation({
    summary: 'Walks the whole chain and every checkpoint, and names the first seq that is wrong',
    description:
      'Answers 200 either way; `ok` tells whether the chain is intact up to the head and agrees ' +
      'with every signed checkpoint; otherwise `problem` says what is wrong at `brokenSeq`.',
  })
  @ApiOkResponse({ schema: openApiSchema(LedgerVerificationResponse) })
  verify() {
    return this.verification.verify();
  }

  @Post('projections/rebuild')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Empties the projections and replays them from the ledger',
    description: 'Appends wait while the replay runs.',
  })
  @ApiOkResponse({ schema: openApiSchema(RebuildResponse) })
  rebuildProjections() {
    return this.queries.rebuildProjections();
  }
}
