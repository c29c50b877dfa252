import { Controller, Get, Param, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { JwtAuthGuard } from '@app/auth';
import { ApiErrors, ApiQueryFields, openApiSchema, ZodPipe } from '@app/platform';
import { LedgerReaderGuard } from '../http/ledger-reader.guard';
import {
  AccessAtQuery,
  AccessAtResponse,
  HeldQuery,
  HeldResponse,
  LifeParams,
  LifeResponse,
} from './investigation.schemas';
import { InvestigationsService } from './investigations.service';

const idParam = (what: string) => ({ name: 'id', type: String, format: 'uuid', description: what });
const lifeDescription =
  'Every ledger entry of it, in ledger order, with the actor and the reason the event states.';

@ApiTags('investigations')
@ApiBearerAuth()
@UseGuards(JwtAuthGuard, LedgerReaderGuard)
@ApiErrors({
  400: 'validation-failed, naming each bad parameter',
  401: 'unauthenticated: no valid bearer token',
  403: 'not-a-ledger-reader: the caller is in none of LEDGER_READER_GROUPS',
})
@Controller('investigations')
export class InvestigationsController {
  constructor(private readonly investigations: InvestigationsService) {}

  @Get('access-at')
  @ApiOperation({
    summary: 'Who held access to a resource at an instant, through which grant, approved by whom',
    description:
      'One holder per subject and role, with every grant or opt-out whose window [startsAt, ' +
      'endedAt or else endsAt) contains the instant; with overlapping grants, access lasts while ' +
      'any of them lasts.',
  })
  @ApiQueryFields(AccessAtQuery)
  @ApiOkResponse({ schema: openApiSchema(AccessAtResponse) })
  whoHadAccess(@Query(new ZodPipe(AccessAtQuery)) query: AccessAtQuery) {
    return this.investigations.whoHadAccess(query);
  }

  @Get('held')
  @ApiOperation({
    summary: 'What a person held between two instants',
    description:
      'Per resource and role, the periods of access within [from, to) and the grants and ' +
      'opt-outs that gave them.',
  })
  @ApiQueryFields(HeldQuery)
  @ApiOkResponse({ schema: openApiSchema(HeldResponse) })
  heldBySubject(@Query(new ZodPipe(HeldQuery)) query: HeldQuery) {
    return this.investigations.heldBySubject(query);
  }

  @Get('requests/:id/life')
  @ApiOperation({ summary: 'The whole life of an access request', description: lifeDescription })
  @ApiParam(idParam('The access request id'))
  @ApiOkResponse({ schema: openApiSchema(LifeResponse) })
  @ApiErrors({ 404: 'nothing-recorded: the ledger holds no entry of it' })
  requestLife(@Param(new ZodPipe(LifeParams)) params: LifeParams) {
    return this.investigations.lifeOf('request', params.id);
  }

  @Get('grants/:id/life')
  @ApiOperation({
    summary: 'The whole life of a grant: its request, from the ask to the revocation',
    description: lifeDescription,
  })
  @ApiParam(idParam('The grant id'))
  @ApiOkResponse({ schema: openApiSchema(LifeResponse) })
  @ApiErrors({ 404: 'nothing-recorded: the ledger holds no such grant' })
  grantLife(@Param(new ZodPipe(LifeParams)) params: LifeParams) {
    return this.investigations.lifeOf('grant', params.id);
  }

  @Get('opt-outs/:id/life')
  @ApiOperation({ summary: 'The whole life of an opt-out', description: lifeDescription })
  @ApiParam(idParam('The opt-out id'))
  @ApiOkResponse({ schema: openApiSchema(LifeResponse) })
  @ApiErrors({ 404: 'nothing-recorded: the ledger holds no entry of it' })
  optOutLife(@Param(new ZodPipe(LifeParams)) params: LifeParams) {
    return this.investigations.lifeOf('opt-out', params.id);
  }
}
