/**
 * An error a caller can act on. Each module defines its codes; `DomainErrorFilter` is the one
 * place that turns them into HTTP responses.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = DomainError.name;
  }
}

export interface FieldProblem {
  field: string;
  reason: string;
}

export class ValidationFailedError extends DomainError {
  constructor(readonly problems: FieldProblem[]) {
    super('validation-failed', 400, 'the request is not valid', { problems });
  }
}
