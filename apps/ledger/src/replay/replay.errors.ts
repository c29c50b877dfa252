import { ChainBreakReason } from '../chain/hash-chain';

/** A replay stops at the first entry that does not verify: nothing is folded from a broken chain. */
export class LedgerChainBrokenError extends Error {
  constructor(
    readonly brokenSeq: number,
    readonly reason: ChainBreakReason,
  ) {
    super(`the ledger's chain is broken at seq ${brokenSeq} (${reason}); nothing was replayed`);
    this.name = LedgerChainBrokenError.name;
  }
}

export class ReplayTargetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = ReplayTargetError.name;
  }
}

export class ReplaySchemaError extends Error {
  constructor(
    readonly code: 'invalid-replay-name' | 'replay-schema-exists' | 'unknown-replay-schema',
    message: string,
  ) {
    super(message);
    this.name = ReplaySchemaError.name;
  }
}
