import { ApprovalError, ApprovalErrorHttpStatus } from '@app/domain';
import { DomainError } from '@app/platform';

export class UnknownRequestError extends DomainError {
  constructor(requestId: string) {
    super('unknown-request', 404, `request ${requestId} is not known to the approvals service`, {
      requestId,
    });
  }
}

/** The decider refused an approve or deny; its code says why. */
export class ApprovalRefusedError extends DomainError {
  constructor(requestId: string, error: ApprovalError) {
    super(error.code, ApprovalErrorHttpStatus[error.code], error.message, { requestId });
  }
}
