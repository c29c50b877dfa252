import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AccessAtAnswer, HeldAnswer, LifeAnswer, LifeKind } from './investigation-questions';
import { LiveInvestigations } from './investigation.queries';
import { AccessAtQuery, HeldQuery } from './investigation.schemas';
import { NothingRecordedError } from './investigation.errors';

/** The investigators' questions over the live projections. */
@Injectable()
export class InvestigationsService {
  private readonly live: LiveInvestigations;

  constructor(dataSource: DataSource) {
    this.live = new LiveInvestigations(dataSource);
  }

  whoHadAccess(query: AccessAtQuery): Promise<AccessAtAnswer> {
    return this.live.whoHadAccess(query);
  }

  heldBySubject(query: HeldQuery): Promise<HeldAnswer> {
    return this.live.heldBySubject(query);
  }

  async lifeOf(kind: LifeKind, id: string): Promise<LifeAnswer> {
    const life = await this.live.lifeOf({ kind, id });
    if (!life) throw new NothingRecordedError(kind, id);
    return life;
  }
}
