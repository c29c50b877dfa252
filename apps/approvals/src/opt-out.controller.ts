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
import { OptOutKind, Principal } from '@app/contracts';
import { ApiErrors, openApiSchema, ZodPipe } from '@app/platform';
import { IdempotencyKey } from './idempotency-key.decorator';
import { OptOutLifecycleService } from './opt-out-lifecycle.service';
import { OptOutAsk, OptOutRequestResult, OptOutRequestService } from './opt-out-request.service';
import { OptOutRefusedError } from './opt-out.errors';
import {
  BreakGlassBody,
  LegacyExemptionBody,
  ListOptOutsQuery,
  OptOutDecisionBody,
  OptOutIdParams,
  OptOutListStatus,
  RenewBody,
  ReviewBody,
  RevokeBody,
  StandingExceptionBody,
  SubjectParams,
  UseBody,
} from './opt-out.schemas';
import { BreakGlassEligibilityView, OptOutList, OptOutView, toOptOutView } from './opt-out-view';

const view = { status: 200, schema: openApiSchema(OptOutView) };
const idParam = { name: 'id', type: String, format: 'uuid', description: 'The opt-out id' };
const refusedDescription =
  'Refused by policy, and recorded as refused: { error, optOutId, reason, rule, message, ' +
  'maximumDuration }, where rule is the path that refused it: into the policy file ' +
  '(compliance.pci, prod-break-glass.maxDuration, resources) or, for what the kind always needs, ' +
  'the rule id and the missing request field (prod-break-glass.incident, mainframe-legacy.owner)';

const idempotencyHeader = {
  name: 'Idempotency-Key',
  required: false,
  description: 'Retrying with the same key answers with the opt-out asked for the first time',
};

@ApiTags('opt-outs')
@ApiBearerAuth()
@ApiErrors({ 401: 'unauthenticated: no valid bearer token' })
@UseGuards(JwtAuthGuard)
@Controller('opt-outs')
export class OptOutController {
  constructor(
    private readonly requests: OptOutRequestService,
    private readonly lifecycle: OptOutLifecycleService,
  ) {}

  @Post('break-glass')
  @ApiOperation({
    summary: 'Break glass: emergency access, active at once, reviewed afterwards',
    description:
      'Needs an incident. Active at once for exactly the duration (201), with a post-incident ' +
      'review due reviewWithin after it ends. Refused (422) while the caller has an overdue review.',
  })
  @ApiHeader(idempotencyHeader)
  @ApiBody({ schema: openApiSchema(BreakGlassBody) })
  @ApiResponse({ status: 201, description: 'Active', schema: openApiSchema(OptOutView) })
  @ApiResponse({
    status: 200,
    description: 'Asked for before under the same key',
    schema: view.schema,
  })
  @ApiErrors({
    400: 'validation-failed, naming each bad field',
    409: 'idempotency-key-reused for a different opt-out',
    422: refusedDescription,
  })
  breakGlass(
    @Body(new ZodPipe(BreakGlassBody)) body: BreakGlassBody,
    @CurrentPrincipal() requester: Principal,
    @IdempotencyKey() idempotencyKey: string | null,
    @Res({ passthrough: true }) response: Response,
  ): Promise<OptOutView> {
    const ask = askFor('break-glass', body, { incident: body.incident ?? null });
    return this.request(ask, requester, idempotencyKey, response);
  }

  @Post('standing-exceptions')
  @ApiOperation({
    summary: 'Ask for a standing exception for frequent, repetitive work',
    description:
      'Waits for the approvals its rule names (202); active once approved. Lapses when unused ' +
      "for its rule's lapseAfterUnused; renewable by its subject with a fresh attestation, at " +
      "most its rule's maxRenewals times.",
  })
  @ApiHeader(idempotencyHeader)
  @ApiBody({ schema: openApiSchema(StandingExceptionBody) })
  @ApiResponse({ status: 202, description: 'Waiting for approval', schema: view.schema })
  @ApiResponse({
    status: 201,
    description: 'Active: its rule needs no approval',
    schema: view.schema,
  })
  @ApiResponse({
    status: 200,
    description: 'Asked for before under the same key',
    schema: view.schema,
  })
  @ApiErrors({
    400: 'validation-failed, naming each bad field',
    409: 'idempotency-key-reused for a different opt-out',
    422: refusedDescription,
  })
  standingException(
    @Body(new ZodPipe(StandingExceptionBody)) body: StandingExceptionBody,
    @CurrentPrincipal() requester: Principal,
    @IdempotencyKey() idempotencyKey: string | null,
    @Res({ passthrough: true }) response: Response,
  ): Promise<OptOutView> {
    const ask = askFor('standing-exception', body, { ticket: body.ticket ?? null });
    return this.request(ask, requester, idempotencyKey, response);
  }

  @Post('legacy-exemptions')
  @ApiOperation({
    summary: 'Ask for a legacy exemption on a resource flagged legacy',
    description:
      'Names an owner, who is not the requester, and the compensating controls. Active at once ' +
      '(201) unless its rule names an approval (202); the owner recertifies it before it ends, at ' +
      "most its rule's maxRenewals times.",
  })
  @ApiHeader(idempotencyHeader)
  @ApiBody({ schema: openApiSchema(LegacyExemptionBody) })
  @ApiResponse({ status: 201, description: 'Active', schema: view.schema })
  @ApiResponse({ status: 202, description: 'Waiting for approval', schema: view.schema })
  @ApiResponse({
    status: 200,
    description: 'Asked for before under the same key',
    schema: view.schema,
  })
  @ApiErrors({
    400: 'validation-failed, naming each bad field',
    409: 'idempotency-key-reused for a different opt-out',
    422: refusedDescription,
  })
  legacyExemption(
    @Body(new ZodPipe(LegacyExemptionBody)) body: LegacyExemptionBody,
    @CurrentPrincipal() requester: Principal,
    @IdempotencyKey() idempotencyKey: string | null,
    @Res({ passthrough: true }) response: Response,
  ): Promise<OptOutView> {
    const ask = askFor('legacy-exemption', body, {
      owner: body.owner ?? null,
      compensatingControls: body.compensatingControls,
    });
    return this.request(ask, requester, idempotencyKey, response);
  }

  @Post(':id/approve')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Approve a pending opt-out as the calling approver',
    description:
      "Counts one approval from someone in the rule's approval groups other than the requester; " +
      'the opt-out is active once its quorum is reached.',
  })
  @ApiParam(idParam)
  @ApiBody({ schema: openApiSchema(OptOutDecisionBody) })
  @ApiResponse(view)
  @ApiErrors({
    403: 'self-approval or not-an-approver',
    404: 'unknown-opt-out',
    409: 'not-pending or already-approved-by-you',
  })
  approve(
    @Param(new ZodPipe(OptOutIdParams)) params: OptOutIdParams,
    @Body(new ZodPipe(OptOutDecisionBody)) body: OptOutDecisionBody,
    @CurrentPrincipal() approver: Principal,
  ): Promise<OptOutView> {
    return this.lifecycle.approve(params.id, approver, body.comment ?? null);
  }

  @Post(':id/deny')
  @HttpCode(200)
  @ApiOperation({ summary: 'Deny a pending opt-out as the calling approver' })
  @ApiParam(idParam)
  @ApiBody({ schema: openApiSchema(OptOutDecisionBody) })
  @ApiResponse(view)
  @ApiErrors({
    403: 'self-approval or not-an-approver',
    404: 'unknown-opt-out',
    409: 'not-pending',
  })
  deny(
    @Param(new ZodPipe(OptOutIdParams)) params: OptOutIdParams,
    @Body(new ZodPipe(OptOutDecisionBody)) body: OptOutDecisionBody,
    @CurrentPrincipal() approver: Principal,
  ): Promise<OptOutView> {
    return this.lifecycle.deny(params.id, approver, body.comment ?? null);
  }

  @Post(':id/renew')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Renew a standing exception (its subject) or recertify a legacy exemption (its owner)',
    description:
      'Needs a fresh attestation: not, ignoring case and spacing, the justification or an ' +
      'earlier attestation. The new end is now + duration, which may not exceed the rule ' +
      "maximum, and at most the rule's maxRenewals renewals are taken. Break-glass is never " +
      'renewed: break glass again instead.',
  })
  @ApiParam(idParam)
  @ApiBody({ schema: openApiSchema(RenewBody) })
  @ApiResponse(view)
  @ApiErrors({
    400: 'validation-failed: a bad duration or no attestation',
    403: 'not-allowed-to-renew',
    404: 'unknown-opt-out',
    409:
      'break-glass-not-renewable, not-active, or renewal-limit-reached with rule ' +
      '(<ruleId>.maxRenewals) and maxRenewals',
    422: 'attestation-not-fresh, or duration-exceeds-maximum with rule and maximumDuration',
  })
  renew(
    @Param(new ZodPipe(OptOutIdParams)) params: OptOutIdParams,
    @Body(new ZodPipe(RenewBody)) body: RenewBody,
    @CurrentPrincipal() caller: Principal,
  ): Promise<OptOutView> {
    return this.lifecycle.renew(params.id, caller, body.duration, body.attestation);
  }

  @Post(':id/uses')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Report a use of an active opt-out (its subject, or a usage reporter)',
    description: 'A use keeps a standing exception from lapsing.',
  })
  @ApiParam(idParam)
  @ApiBody({ schema: openApiSchema(UseBody) })
  @ApiResponse(view)
  @ApiErrors({ 403: 'not-allowed-to-report-use', 404: 'unknown-opt-out', 409: 'not-active' })
  reportUse(
    @Param(new ZodPipe(OptOutIdParams)) params: OptOutIdParams,
    @Body(new ZodPipe(UseBody)) _body: object,
    @CurrentPrincipal() caller: Principal,
  ): Promise<OptOutView> {
    return this.lifecycle.reportUse(params.id, caller);
  }

  @Post(':id/revoke')
  @HttpCode(200)
  @ApiOperation({ summary: 'End an active opt-out now (a security lead, or its subject)' })
  @ApiParam(idParam)
  @ApiBody({ schema: openApiSchema(RevokeBody) })
  @ApiResponse(view)
  @ApiErrors({ 403: 'not-allowed-to-revoke', 404: 'unknown-opt-out', 409: 'not-active' })
  revoke(
    @Param(new ZodPipe(OptOutIdParams)) params: OptOutIdParams,
    @Body(new ZodPipe(RevokeBody)) body: RevokeBody,
    @CurrentPrincipal() caller: Principal,
  ): Promise<OptOutView> {
    return this.lifecycle.revoke(params.id, caller, body.reason);
  }

  @Post(':id/review')
  @HttpCode(200)
  @ApiOperation({
    summary:
      'Complete the post-incident review of a break-glass (a security lead, not its subject)',
    description:
      'Once per break-glass; marked late after reviewBy. Closing the last overdue review of a ' +
      'person restores their break-glass eligibility.',
  })
  @ApiParam(idParam)
  @ApiBody({ schema: openApiSchema(ReviewBody) })
  @ApiResponse(view)
  @ApiErrors({
    403: 'self-review or not-a-security-lead',
    404: 'unknown-opt-out',
    409: 'not-a-break-glass, not-activated or already-reviewed',
  })
  review(
    @Param(new ZodPipe(OptOutIdParams)) params: OptOutIdParams,
    @Body(new ZodPipe(ReviewBody)) body: ReviewBody,
    @CurrentPrincipal() reviewer: Principal,
  ): Promise<OptOutView> {
    return this.lifecycle.review(params.id, reviewer, body.outcome, body.notes);
  }

  // Limitation: any authenticated caller may list and read any opt-out.
  @Get()
  @ApiOperation({ summary: 'Opt-outs, newest first (at most 100)' })
  @ApiQuery({ name: 'status', required: false, enum: OptOutListStatus.options })
  @ApiQuery({ name: 'kind', required: false, enum: OptOutKind.options })
  @ApiQuery({ name: 'subject', required: false, type: String })
  @ApiResponse({ status: 200, schema: openApiSchema(OptOutList) })
  @ApiErrors({ 400: 'validation-failed: a bad filter' })
  async list(
    @Query(new ZodPipe(ListOptOutsQuery)) query: ListOptOutsQuery,
  ): Promise<{ items: OptOutView[] }> {
    return { items: await this.lifecycle.list(query) };
  }

  @Get('eligibility/break-glass/:subject')
  @ApiOperation({ summary: "A person's break-glass eligibility: suspended or not, and why" })
  @ApiParam({ name: 'subject', type: String, description: 'The person id' })
  @ApiResponse({ status: 200, schema: openApiSchema(BreakGlassEligibilityView) })
  breakGlassEligibility(
    @Param(new ZodPipe(SubjectParams)) params: SubjectParams,
  ): Promise<BreakGlassEligibilityView> {
    return this.lifecycle.breakGlassEligibility(params.subject);
  }

  @Get(':id')
  @ApiOperation({ summary: "An opt-out's whole state: window, approvals, uses, review, renewals" })
  @ApiParam(idParam)
  @ApiResponse(view)
  @ApiErrors({ 400: 'validation-failed: the id is not a UUID', 404: 'unknown-opt-out' })
  get(@Param(new ZodPipe(OptOutIdParams)) params: OptOutIdParams): Promise<OptOutView> {
    return this.lifecycle.get(params.id);
  }

  private async request(
    ask: OptOutAsk,
    requester: Principal,
    idempotencyKey: string | null,
    response: Response,
  ): Promise<OptOutView> {
    const result = await this.requests.request(ask, requester, idempotencyKey);
    if (result.outcome === 'refused') {
      throw new OptOutRefusedError(result.state);
    }
    response.status(statusOf(result));
    return toOptOutView(result.state);
  }
}

function askFor(
  kind: OptOutKind,
  body: { resource: string; role: string; duration: string; justification: string },
  references: Partial<Pick<OptOutAsk, 'incident' | 'ticket' | 'owner' | 'compensatingControls'>>,
): OptOutAsk {
  return {
    kind,
    resource: body.resource,
    role: body.role,
    duration: body.duration,
    justification: body.justification,
    incident: null,
    ticket: null,
    owner: null,
    compensatingControls: [],
    ...references,
  };
}

function statusOf(result: OptOutRequestResult): number {
  switch (result.outcome) {
    case 'active':
      return HttpStatus.CREATED;
    case 'pending':
      return HttpStatus.ACCEPTED;
    case 'replayed':
    case 'refused':
      return HttpStatus.OK;
    default:
      return unreachable(result.outcome);
  }
}

function unreachable(value: never): never {
  throw new Error(`unhandled outcome ${JSON.stringify(value)}`);
}
