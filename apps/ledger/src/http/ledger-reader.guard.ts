import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Request } from 'express';
import { Principal } from '@app/contracts';
import { LEDGER_READER_GROUPS, NotALedgerReaderError } from '../ledger.errors';

export function isLedgerReader(principal: Principal, readerGroups: readonly string[]): boolean {
  return principal.groups.some((group) => readerGroups.includes(group));
}

/** Lets through callers in a reader group; runs after JwtAuthGuard, which sets the principal. */
@Injectable()
export class LedgerReaderGuard implements CanActivate {
  constructor(@Inject(LEDGER_READER_GROUPS) private readonly readerGroups: readonly string[]) {}

  canActivate(context: ExecutionContext): boolean {
    const { principal } = context.switchToHttp().getRequest<Request & { principal?: Principal }>();
    if (!principal || !isLedgerReader(principal, this.readerGroups)) {
      throw new NotALedgerReaderError(this.readerGroups);
    }
    return true;
  }
}
