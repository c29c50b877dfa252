import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { JwtAuthGuard } from '@app/auth';
import { openApiSchema } from '@app/platform';
import { ScheduleSummary } from './schedule-summary';
import { ScheduleSummaryService } from './schedule-summary.service';

@ApiTags('schedule')
@ApiBearerAuth()
@UseGuards(JwtAuthGuard)
@Controller('schedule')
export class ScheduleSummaryController {
  constructor(private readonly summaries: ScheduleSummaryService) {}

  @Get('summary')
  @ApiOperation({
    summary: 'Counts the deadlines by kind and status, and tells when the next one is due',
  })
  @ApiResponse({ status: 200, schema: openApiSchema(ScheduleSummary) })
  @ApiResponse({ status: 401, description: 'No valid bearer token' })
  summary(): Promise<ScheduleSummary> {
    return this.summaries.summarize();
  }
}
