import { DomainError, ValidationFailedError } from '@app/platform';
import { Refusal } from './submission-decision';

/** The duration is not one the parser accepts; `reason` shows the accepted form. */
export class InvalidDurationError extends ValidationFailedError {
  constructor(readonly reason: string) {
    super([{ field: 'duration', reason }]);
  }
}

/** The policies refuse the request; it is stored as refused and the refusal is in the ledger. */
export class AccessRequestRefusedError extends DomainError {
  constructor(requestId: string, refusal: Refusal) {
    super(refusal.reason, 422, refusal.message, {
      requestId,
      maximumDuration: refusal.maximumDuration,
      policyId: refusal.policyId,
    });
  }
}

export class AccessRequestNotFoundError extends DomainError {
  constructor(requestId: string) {
    super('request-not-found', 404, `no access request ${requestId}`, { requestId });
  }
}

/** The same idempotency key (or ticketing event id) was used before for a different request. */
export class IdempotencyKeyReusedError extends DomainError {
  constructor(requestId: string, differences: string[]) {
    super(
      'idempotency-key-reused',
      409,
      `request ${requestId} was already filed under the same key and differs in ` +
        differences.join(', '),
      { requestId, differences },
    );
  }
}
