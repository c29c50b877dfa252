import { ExecutionContext } from '@nestjs/common';
import { Principal } from '@app/contracts';
import { NotALedgerReaderError } from '../ledger.errors';
import { LedgerReaderGuard } from './ledger-reader.guard';

function contextFor(principal: Principal | undefined): ExecutionContext {
  return {
    switchToHttp: () => ({ getRequest: () => ({ principal }) }),
  } as unknown as ExecutionContext;
}

describe(LedgerReaderGuard.name, () => {
  const guard = new LedgerReaderGuard(['auditors', 'sre']);

  it('lets through a member of a reader group', () => {
    expect(guard.canActivate(contextFor({ id: 'u-1', groups: ['engineering', 'sre'] }))).toBe(true);
  });

  it('refuses a caller in none of the reader groups', () => {
    expect(() => guard.canActivate(contextFor({ id: 'u-2', groups: ['engineering'] }))).toThrow(
      NotALedgerReaderError,
    );
  });

  it('refuses when no caller was authenticated', () => {
    expect(() => guard.canActivate(contextFor(undefined))).toThrow(NotALedgerReaderError);
  });
});
