import { OptOutError, OptOutErrorHttpStatus, OptOutState } from '@app/domain';
import { DomainError, ValidationFailedError } from '@app/platform';

export class UnknownOptOutError extends DomainError {
  constructor(optOutId: string) {
    super('unknown-opt-out', 404, `opt-out ${optOutId} is not known to the approvals service`, {
      optOutId,
    });
  }
}

/**
 * The opt-out is not allowed. It is recorded all the same (OptOutRequested, then OptOutRefused),
 * so the answer carries its id next to the reason and the rule that refused it.
 */
export class OptOutRefusedError extends DomainError {
  constructor(state: OptOutState) {
    const refusal = state.refusal ?? {
      reason: 'no-opt-out-rule',
      rule: 'optOuts',
      message: `opt-out ${state.optOutId} was refused`,
      maximumDuration: null,
    };
    super(refusal.reason, 422, refusal.message, {
      optOutId: state.optOutId,
      reason: refusal.reason,
      rule: refusal.rule,
      maximumDuration: refusal.maximumDuration,
    });
  }
}

/** The decider refused an approval, renewal, use, revocation or review; its code says why. */
export class OptOutCommandRefusedError extends DomainError {
  constructor(optOutId: string, error: OptOutError) {
    super(error.code, OptOutErrorHttpStatus[error.code], error.message, {
      optOutId,
      ...(error.rule === undefined ? {} : { rule: error.rule }),
      ...(error.maximumDuration === undefined ? {} : { maximumDuration: error.maximumDuration }),
      ...(error.maxRenewals === undefined ? {} : { maxRenewals: error.maxRenewals }),
    });
  }
}

/** The same Idempotency-Key was used before by the same person for a different opt-out. */
export class IdempotencyKeyReusedError extends DomainError {
  constructor(optOutId: string, differences: string[]) {
    super(
      'idempotency-key-reused',
      409,
      `opt-out ${optOutId} was already asked for under the same key and differs in ` +
        differences.join(', '),
      { optOutId, differences },
    );
  }
}

export class InvalidDurationError extends ValidationFailedError {
  constructor(reason: string) {
    super([{ field: 'duration', reason }]);
  }
}
