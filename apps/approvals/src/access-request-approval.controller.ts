import { Body, Controller, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiOperation,
  ApiParam,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentPrincipal, JwtAuthGuard } from '@app/auth';
import { Principal } from '@app/contracts';
import { ApiErrors, openApiSchema, ZodPipe } from '@app/platform';
import { DecisionBody, RequestIdParams } from './approval.schemas';
import { ApprovalService } from './approval.service';
import { ApprovalView } from './approval-view';

const stateResponse = { status: 200, schema: openApiSchema(ApprovalView) };
const idParam = { name: 'id', type: String, format: 'uuid', description: 'The access request id' };

@ApiTags('approvals')
@ApiBearerAuth()
@ApiErrors({ 401: 'unauthenticated: no valid bearer token' })
@UseGuards(JwtAuthGuard)
@Controller('access-requests')
export class AccessRequestApprovalController {
  constructor(private readonly approvals: ApprovalService) {}

  @Post(':id/approve')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Approve a pending request as the calling approver',
    description:
      'Counts one approval from the caller; the request is approved and its grant issued once ' +
      'enough approvers other than the requester have approved. 403 self-approval or ' +
      'not-an-approver, 409 already-resolved or already-approved-by-you, 404 unknown-request.',
  })
  @ApiParam(idParam)
  @ApiBody({ schema: openApiSchema(DecisionBody) })
  @ApiResponse(stateResponse)
  @ApiErrors({
    400: 'validation-failed: a bad id or body',
    403: 'self-approval or not-an-approver',
    404: 'unknown-request',
    409: 'already-resolved or already-approved-by-you',
  })
  approve(
    @Param(new ZodPipe(RequestIdParams)) params: RequestIdParams,
    @Body(new ZodPipe(DecisionBody)) body: DecisionBody,
    @CurrentPrincipal() approver: Principal,
  ): Promise<ApprovalView> {
    return this.approvals.approve(params.id, approver, body.comment ?? null);
  }

  @Post(':id/deny')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Deny a pending request as the calling approver',
    description:
      'One approver denying resolves the request. 403 self-approval or not-an-approver, ' +
      '409 already-resolved, 404 unknown-request.',
  })
  @ApiParam(idParam)
  @ApiBody({ schema: openApiSchema(DecisionBody) })
  @ApiResponse(stateResponse)
  @ApiErrors({
    400: 'validation-failed: a bad id or body',
    403: 'self-approval or not-an-approver',
    404: 'unknown-request',
    409: 'already-resolved',
  })
  deny(
    @Param(new ZodPipe(RequestIdParams)) params: RequestIdParams,
    @Body(new ZodPipe(DecisionBody)) body: DecisionBody,
    @CurrentPrincipal() approver: Principal,
  ): Promise<ApprovalView> {
    return this.approvals.deny(params.id, approver, body.comment ?? null);
  }

  // Limitation: any authenticated caller may read any request's approval state; there is no
  // check that they are its requester or one of its approvers.
  @Get(':id/approval')
  @ApiOperation({ summary: "A request's approval state: approvals so far, outcome and grant" })
  @ApiParam(idParam)
  @ApiResponse(stateResponse)
  @ApiErrors({ 400: 'validation-failed: the id is not a UUID', 404: 'unknown-request' })
  getApproval(@Param(new ZodPipe(RequestIdParams)) params: RequestIdParams): Promise<ApprovalView> {
    return this.approvals.getApproval(params.id);
  }
}
