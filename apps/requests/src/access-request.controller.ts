import {
  Body,
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Post,
  Query,
  Res,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiHeader,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { Response } from 'express';
import { CurrentPrincipal, JwtAuthGuard } from '@app/auth';
import { Principal } from '@app/contracts';
import { openApiSchema, ZodPipe } from '@app/platform';
import { AccessRequestRefusedError } from './access-request.errors';
import {
  AccessRequestList,
  CorrelationIdHeader,
  IdempotencyKeyHeader,
  ListAccessRequestsQuery,
  RequestIdParam,
  SubmitAccessRequestBody,
} from './access-request.schemas';
import { AccessRequestService } from './access-request.service';
import { httpSubmission } from './access-request.submission';
import { FieldPipe } from './field.pipe';
import { RequestHeader } from './request-header.decorator';
import { RequestStatus, RequestView, RequestViewSchema } from './request-view';

const ErrorBody = {
  type: 'object',
  properties: { error: { type: 'string' }, message: { type: 'string' } },
};

@ApiTags('access-requests')
@ApiBearerAuth()
@ApiResponse({ status: 401, description: 'No valid bearer token', schema: ErrorBody })
@UseGuards(JwtAuthGuard)
@Controller('access-requests')
export class AccessRequestController {
  constructor(private readonly requests: AccessRequestService) {}

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Request access to a resource and role for a duration',
    description:
      'The requester is the caller named by the bearer token. The request is checked against the ' +
      'policies at once; approval and the grant follow as events, visible through GET.',
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Retrying with the same key returns the request filed the first time (200)',
  })
  @ApiHeader({ name: 'X-Correlation-Id', required: false, description: 'Carried on its events' })
  @ApiBody({ schema: openApiSchema(SubmitAccessRequestBody) })
  @ApiResponse({ status: 202, description: 'Filed', schema: openApiSchema(RequestViewSchema) })
  @ApiResponse({
    status: 200,
    description: 'Filed before under the same Idempotency-Key; nothing new was filed',
    schema: openApiSchema(RequestViewSchema),
  })
  @ApiResponse({ status: 400, description: 'validation-failed, naming each bad field' })
  @ApiResponse({ status: 409, description: 'idempotency-key-reused for a different request' })
  @ApiResponse({
    status: 422,
    description:
      'Refused by policy; error is the reason (e.g. duration-exceeds-maximum, with ' +
      'maximumDuration). The refused request is stored and recorded in the ledger.',
  })
  async submit(
    @Body(new ZodPipe(SubmitAccessRequestBody)) body: SubmitAccessRequestBody,
    @CurrentPrincipal() requester: Principal,
    @RequestHeader('idempotency-key', new FieldPipe('Idempotency-Key', IdempotencyKeyHeader))
    idempotencyKey: string | undefined,
    @RequestHeader('x-correlation-id', new FieldPipe('X-Correlation-Id', CorrelationIdHeader))
    correlationId: string | undefined,
    @Res({ passthrough: true }) response: Response,
  ): Promise<RequestView> {
    const result = await this.requests.submit(
      httpSubmission(body, requester, {
        idempotencyKey: idempotencyKey ?? null,
        correlationId: correlationId ?? null,
      }),
    );

    if (result.view.status === 'refused' && result.view.refusal !== undefined) {
      throw new AccessRequestRefusedError(result.view.requestId, result.view.refusal);
    }
    response.status(result.outcome === 'replayed' ? HttpStatus.OK : HttpStatus.ACCEPTED);
    return result.view;
  }

  @Get()
  @ApiOperation({ summary: "The caller's own requests, newest first (at most 100)" })
  @ApiQuery({ name: 'requester', required: false, enum: ['me'] })
  @ApiQuery({ name: 'status', required: false, enum: RequestStatus.options })
  @ApiResponse({ status: 200, schema: openApiSchema(AccessRequestList) })
  async list(
    @Query(new ZodPipe(ListAccessRequestsQuery)) query: ListAccessRequestsQuery,
    @CurrentPrincipal() requester: Principal,
  ): Promise<{ items: RequestView[] }> {
    return { items: await this.requests.listOwn(requester, query.status ?? null) };
  }

  // Limitation: any authenticated caller who knows a request id may read the request, not only
  // its requester and approvers.
  @Get(':id')
  @ApiOperation({ summary: 'The current state of a request' })
  @ApiParam({ name: 'id', description: 'The request id' })
  @ApiResponse({ status: 200, schema: openApiSchema(RequestViewSchema) })
  @ApiResponse({ status: 404, description: 'request-not-found', schema: ErrorBody })
  async get(@Param('id', new FieldPipe('id', RequestIdParam)) id: string): Promise<RequestView> {
    return this.requests.get(id);
  }
}
