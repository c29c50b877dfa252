import { optOutIdFor } from './opt-out-request.service';

describe(optOutIdFor.name, () => {
  it('derives the same id from the same requester, kind and idempotency key', () => {
    expect(optOutIdFor('u-1', 'break-glass', 'k-1')).toBe(optOutIdFor('u-1', 'break-glass', 'k-1'));
  });

  it('derives different ids for another person, kind or key', () => {
    const id = optOutIdFor('u-1', 'break-glass', 'k-1');

    expect(optOutIdFor('u-2', 'break-glass', 'k-1')).not.toBe(id);
    expect(optOutIdFor('u-1', 'standing-exception', 'k-1')).not.toBe(id);
    expect(optOutIdFor('u-1', 'break-glass', 'k-2')).not.toBe(id);
  });

  it('gives a fresh id when there is no key', () => {
    expect(optOutIdFor('u-1', 'break-glass', null)).not.toBe(
      optOutIdFor('u-1', 'break-glass', null),
    );
  });
});
