import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { JwtAuthGuard } from '@app/auth';
import { ApiErrors, ApiQueryFields, openApiSchema, ZodPipe } from '@app/platform';
import {
  CurrentGrantsQuery,
  CurrentGrantsResponse,
  GrantsAtQuery,
  GrantsAtResponse,
} from './ledger-api.schemas';
import { LedgerQueryService } from './ledger-query.service';
import { LedgerReaderGuard } from './ledger-reader.guard';

@ApiTags('grants')
@ApiBearerAuth()
@UseGuards(JwtAuthGuard, LedgerReaderGuard)
@ApiErrors({
  400: 'validation-failed, naming each bad query parameter',
  401: 'unauthenticated: no valid bearer token',
  403: 'not-a-ledger-reader: the caller is in none of LEDGER_READER_GROUPS',
})
@Controller('grants')
export class GrantsController {
  constructor(private readonly queries: LedgerQueryService) {}

  @Get()
  @ApiOperation({ summary: 'Grants issued and not expired yet, in the order they were issued' })
  @ApiQueryFields(CurrentGrantsQuery)
  @ApiOkResponse({ schema: openApiSchema(CurrentGrantsResponse) })
  currentGrants(@Query(new ZodPipe(CurrentGrantsQuery)) query: CurrentGrantsQuery) {
    return this.queries.currentGrants(query);
  }

  @Get('at')
  @ApiOperation({
    summary: 'Who had access to a resource at an instant, and who approved it',
    description:
      'Grants whose window [startsAt, endedAt or else endsAt) contains `at`, from the grant history.',
  })
  @ApiQueryFields(GrantsAtQuery)
  @ApiOkResponse({ schema: openApiSchema(GrantsAtResponse) })
  grantsAt(@Query(new ZodPipe(GrantsAtQuery)) query: GrantsAtQuery) {
    return this.queries.grantsAt(query);
  }
}
