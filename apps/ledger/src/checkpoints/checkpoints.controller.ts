import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { JwtAuthGuard } from '@app/auth';
import { ApiErrors, ApiQueryFields, openApiSchema, ZodPipe } from '@app/platform';
import { LedgerReaderGuard } from '../http/ledger-reader.guard';
import { CheckpointsQuery, CheckpointsResponse } from './checkpoints.schemas';
import { CheckpointsRepository } from './checkpoints.repository';

@ApiTags('ledger')
@ApiBearerAuth()
@UseGuards(JwtAuthGuard, LedgerReaderGuard)
@ApiErrors({
  400: 'validation-failed, naming each bad query parameter',
  401: 'unauthenticated: no valid bearer token',
  403: 'not-a-ledger-reader: the caller is in none of LEDGER_READER_GROUPS',
})
@Controller('ledger')
export class CheckpointsController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly checkpoints: CheckpointsRepository,
  ) {}

  @Get('checkpoints')
  @ApiOperation({
    summary: 'Signed checkpoints of the chain in seq order',
    description: 'Each says, signed with Ed25519, which hash the entry of its seq had.',
  })
  @ApiQueryFields(CheckpointsQuery)
  @ApiOkResponse({ schema: openApiSchema(CheckpointsResponse) })
  async list(@Query(new ZodPipe(CheckpointsQuery)) query: CheckpointsQuery) {
    const checkpoints = await this.checkpoints.read(
      this.dataSource,
      query.afterSeq,
      Number.MAX_SAFE_INTEGER,
      query.limit,
    );
    const last = checkpoints[checkpoints.length - 1];
    return {
      checkpoints,
      nextAfterSeq: checkpoints.length === query.limit && last ? last.seq : null,
    };
  }
}
