import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, Clock } from '@app/domain';
import { ScheduleRepository } from './schedule.repository';
import { ScheduleSummary, summarizeSchedule } from './schedule-summary';

@Injectable()
export class ScheduleSummaryService {
  constructor(
    private readonly repository: ScheduleRepository,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async summarize(): Promise<ScheduleSummary> {
    const now = this.clock.now();
    return summarizeSchedule(await this.repository.countDeadlines(now), now);
  }
}
