import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CHECKPOINT_SETTINGS } from '../checkpoints/ledger-checkpointer';
import { CheckpointSettings } from '../ledger.config';
import { LedgerVerification, verifyLedger } from './ledger-verifier';

/** Verifies the stored chain and its checkpoints with the keys the service trusts. */
@Injectable()
export class LedgerVerificationService {
  private readonly logger = new Logger(LedgerVerificationService.name);

  constructor(
    private readonly dataSource: DataSource,
    @Inject(CHECKPOINT_SETTINGS) private readonly settings: CheckpointSettings,
  ) {}

  async verify(): Promise<LedgerVerification> {
    const result = await verifyLedger(this.dataSource, { publicKeys: this.settings.verifyingKeys });
    if (!result.ok) {
      this.logger.error({
        msg: 'ledger verification found a problem',
        brokenSeq: result.brokenSeq,
        problem: result.problem,
        reason: result.reason,
      });
    }
    return result;
  }
}
