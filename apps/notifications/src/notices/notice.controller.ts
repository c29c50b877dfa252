import { Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, JwtAuthGuard } from '@app/auth';
import { Principal } from '@app/contracts';
import { ApiErrors, ApiQueryFields, openApiSchema, ZodPipe } from '@app/platform';
import { NoticeIdParams, NoticeListView, NoticeQuery } from './notice.schemas';
import { NoticeService } from './notice.service';

const listResponse = { status: 200, schema: openApiSchema(NoticeListView) };

// Limitation: any authenticated caller may list any event's notices and their deliveries.
@ApiTags('notices')
@ApiBearerAuth()
@ApiErrors({ 401: 'unauthenticated: no valid bearer token' })
@UseGuards(JwtAuthGuard)
@Controller('notices')
export class NoticeController {
  constructor(private readonly notices: NoticeService) {}

  @Get()
  @ApiOperation({
    summary: 'Lists the opt-out notices of an event, each with its deliveries and state',
  })
  @ApiQueryFields(NoticeQuery)
  @ApiResponse(listResponse)
  @ApiErrors({ 400: 'validation-failed: eventId is missing or not a UUID' })
  list(@Query(new ZodPipe(NoticeQuery)) query: NoticeQuery): Promise<NoticeListView> {
    return this.notices.listByEvent(query.eventId);
  }

  @Post(':id/acknowledge')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Acknowledge a notice as its recipient or as a level-0 security lead',
    description:
      'The first acknowledgement of any notice of an event counts for the event: it stops its ' +
      'escalation and emits NoticeAcknowledged. Answers with all the notices of the event.',
  })
  @ApiParam({ name: 'id', type: String, format: 'uuid', description: 'The notice id' })
  @ApiResponse(listResponse)
  @ApiErrors({
    400: 'validation-failed: a bad id',
    403: 'not-a-notice-recipient or own-opt-out',
    404: 'unknown-notice',
    409: 'already-acknowledged',
  })
  acknowledge(
    @Param(new ZodPipe(NoticeIdParams)) params: NoticeIdParams,
    @CurrentPrincipal() caller: Principal,
  ): Promise<NoticeListView> {
    return this.notices.acknowledge(params.id, caller);
  }
}
